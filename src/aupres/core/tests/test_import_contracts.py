"""The import contracts of pyproject.toml ([tool.importlinter]) hold, and the cycle contract finds cycles."""

import ast
import re
from pathlib import Path

import grimp
from importlinter.api import read_configuration
from importlinter.application.use_cases import lint_imports

from aupres.core.importcontracts import cycles


def graph(*imports):
    g = grimp.ImportGraph()
    for importer, imported in imports:
        g.add_import(importer=importer, imported=imported)
    return g


def test_a_cycle_through_three_modules_is_found_whatever_its_length():
    g = graph(("p.a.services", "p.b.services"), ("p.b.services", "p.c.services"), ("p.c.services", "p.a.services"),
              ("p.c.services", "p.core"), ("p.a.views", "p.a.services"))
    assert cycles(g) == [["p.a.services", "p.b.services", "p.c.services"]]


def test_no_cycle_in_a_one_way_graph_and_tests_can_be_left_out():
    assert cycles(graph(("p.a", "p.b"), ("p.b", "p.c"), ("p.a", "p.c"))) == []
    g = graph(("p.a.tests.t", "p.a.models"), ("p.a.models", "p.a.tests.t"))
    assert cycles(g) == [["p.a.models", "p.a.tests.t"]]
    assert cycles(g, ignore=["p.*.tests.**"]) == []
    assert cycles(g, ignore_imports=["p.a.models -> p.a.tests.t"]) == []


ROOT = Path(__file__).resolve().parents[4]


def test_the_code_keeps_the_contracts_and_make_test_checks_them(monkeypatch):
    monkeypatch.chdir(ROOT)
    contracts = {c["type"] for c in read_configuration()["contracts_options"]}
    assert {"acyclic", "layers"} <= contracts
    makefile = (ROOT / "Makefile").read_text().split("\ntest:")[1].split("\n\n")[0]
    assert "lint-imports" in makefile
    assert lint_imports(cache_dir=None, no_logo=True), "an import contract is broken: run lint-imports"


# An import inside a function says why on its line (docs/architecture.md, "Layers"): ruff's PLC0415 flags
# one without a noqa for PLC0415; this test asks that noqa for its reason after a dash (ruff accepts a bare
# one) and covers the migrations, which ruff leaves out.
LATE_REASON = re.compile(r"#\s*noqa:[\w, ]*\bPLC0415\b\s*—\s*\S")


def late_imports_without_reason(source):
    lines = source.splitlines()
    missing = []
    for function in ast.walk(ast.parse(source)):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            missing += [node.lineno for node in ast.walk(function) if isinstance(node, (ast.Import, ast.ImportFrom))
                        and not LATE_REASON.search(lines[node.lineno - 1])]
    return sorted(set(missing))


def test_a_late_import_without_its_reason_is_found():
    source = ("import os\n\n\ndef f():\n    import json\n    import csv  # noqa: PLC0415\n"
              "    import re  # noqa: PLC0415 — only when f runs\n    def g():\n        from aupres import core\n")
    assert late_imports_without_reason(source) == [5, 6, 9]


def test_every_late_import_of_the_application_says_why():
    missing = {str(path.relative_to(ROOT)): lines for path in sorted((ROOT / "src" / "aupres").rglob("*.py"))
               if "tests" not in path.parts and (lines := late_imports_without_reason(path.read_text()))}
    assert not missing, missing
