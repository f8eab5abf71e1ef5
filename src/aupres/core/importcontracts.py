"""An import-linter contract (pyproject.toml, [tool.importlinter]): no cycle between modules.

import-linter's own `acyclic_siblings` looks at the packages one level down; a cycle between two
modules (a.services → b.services → a.services), however deep and whether the imports sit at the top of
the file or inside a function, is what makes the data flow both ways. Strongly connected components of
the module graph (Tarjan), each reported with one of its cycles."""

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _matches(module, patterns):
    parts = module.split(".")
    for pattern in patterns:
        wanted = pattern.split(".")
        if wanted[-1] == "**":
            head = wanted[:-1]
            if len(parts) > len(head) and all(w in ("*", p) for w, p in zip(head, parts, strict=False)):
                return True
        elif len(parts) == len(wanted) and all(w in ("*", p) for w, p in zip(wanted, parts, strict=True)):
            return True
    return False


def cycles(graph: ImportGraph, ignore=(), ignore_imports=()):
    """The module cycles of the graph: one list of modules per strongly connected component.
    `ignore_imports`: "importer -> imported" edges left out (a known cycle, each with its reason)."""
    modules = sorted(m for m in graph.modules if not _matches(m, ignore))
    kept = set(modules)
    skipped = {tuple(part.strip() for part in edge.split("->")) for edge in ignore_imports}
    edges = {m: sorted(d for d in graph.find_modules_directly_imported_by(m) if d in kept and (m, d) not in skipped)
             for m in modules}
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


class AcyclicModulesContract(Contract):
    type_name = "acyclic"

    ignore = fields.ListField(subfield=fields.StringField(), required=False)
    ignore_imports = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        found = cycles(graph, self.ignore or (), self.ignore_imports or ())
        return ContractCheck(kept=not found, metadata={"cycles": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for component in check.metadata["cycles"]:
            output.print_error("These modules import each other (directly or through one another):")
            for module in component:
                output.print_error(f"  {module}")
            output.new_line()
