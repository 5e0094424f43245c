"""The shape of the package: one-way imports, no reaching into private names, short functions.

Everything here reads the source with :mod:`ast` (nothing is imported except for the exception
check), so a failure names the file and line to look at.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import networkx as nx
import pytest

import partnerfit

SRC = Path(partnerfit.__file__).resolve().parent
MAX_FUNCTION_LINES = 120


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute module an ``from ... import`` statement names."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not _is_package(module):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the statements inside ``if TYPE_CHECKING:`` blocks (not run, so not imports)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def _imports(module: str) -> list[tuple[str, list[str], int]]:
    """Every import a module runs (top level and inside functions): (target, names, line)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            found.append((_resolve(module, node), [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((a.name, [], node.lineno) for a in node.names)
    return found


def _import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(MODULES)
    for module in MODULES:
        for target, names, line in _imports(module):
            if not target.startswith("partnerfit"):
                continue
            # ``from pkg import sub`` imports the submodule; ``from mod import name`` the module.
            targets = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            if target in MODULES and len(targets) < len(names) or not names:
                targets.append(target)
            for t in targets:
                if t != module:
                    graph.add_edge(module, t, line=line)
    return graph


def test_the_import_graph_is_read():
    # A check on the check: the graph has the edges we know are there.
    graph = _import_graph()
    assert graph.has_edge("partnerfit.scoring", "partnerfit.register")
    assert graph.has_edge("partnerfit.cli", "partnerfit.scoring")  # an import inside a function
    assert graph.number_of_edges() > 100


def test_no_import_cycles():
    graph = _import_graph()
    cycles = sorted(nx.simple_cycles(graph), key=len)[:10]
    described = []
    for cycle in cycles:
        steps = [f"{a} (line {graph.edges[a, b]['line']})"
                 for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True)]
        described.append(" -> ".join(steps + [cycle[0]]))
    assert not cycles, "import cycles:\n" + "\n".join(described)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_module_imports_a_private_name_from_another():
    problems = []
    for module, path in MODULES.items():
        for target, names, line in _imports(module):
            if not target.startswith("partnerfit") or target == module:
                continue
            for name in names:
                if _private(name) and f"{target}.{name}" not in MODULES:
                    problems.append(f"{path.relative_to(SRC.parent)}:{line} imports "
                                    f"{name} from {target}")
    assert not problems, "\n".join(problems)


def test_no_module_reads_a_private_attribute_of_another_partnerfit_module():
    problems = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {}
        for target, names, _ in _imports(module):
            for name in names:
                if f"{target}.{name}" in MODULES:
                    aliases[name] = f"{target}.{name}"
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and _private(node.attr)):
                problems.append(f"{path.relative_to(SRC.parent)}:{node.lineno} reads "
                                f"{node.value.id}.{node.attr}")
    assert not problems, "\n".join(problems)


def test_no_function_is_longer_than_the_limit():
    long = []
    for path in MODULES.values():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(SRC.parent)}:{node.lineno} {node.name} "
                                f"({n} lines)")
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(long)


def _all_modules():
    yield partnerfit
    for info in pkgutil.walk_packages(partnerfit.__path__, "partnerfit."):
        yield importlib.import_module(info.name)


def test_every_exception_class_lives_in_errors():
    elsewhere = sorted(
        f"{cls.__module__}.{cls.__name__}"
        for module in _all_modules()
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__.startswith("partnerfit")
        and cls.__module__ != "partnerfit.errors")
    assert not elsewhere, "exception classes outside partnerfit.errors: " + ", ".join(
        sorted(set(elsewhere)))


@pytest.mark.parametrize("name", ["builtins", "enumerate", "types", "typing"])
def test_no_module_shadows_a_standard_name(name):
    assert not [m for m in MODULES if m.rsplit(".", 1)[-1] == name]
