"""The import contracts of pyproject.toml ([tool.importlinter]) hold, and the cycle contract finds cycles."""

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
