"""The import graph of solver/ and grader/, read statically from the source: no cycles, and the
library never reaches for the grader (the command line's lazy command table aside).

Imports are read from the AST, so nothing is executed.  Two graphs are checked: the module-level
imports (what loading a module pulls in) and every import including those inside functions (the
lazy ones that keep start-up light): a cycle through a lazy import is still two modules that
cannot be read one without the other.  Imports under ``if TYPE_CHECKING:`` name types for the
annotations only and are never run, so they are left out of both.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("solver", "grader")


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    lazy: bool  # inside a function: run only when it is called


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path = ROOT) -> dict[str, Path]:
    return {module_name(p, root): p for package in PACKAGES for p in sorted((root / package).rglob("*.py"))}


def _project_module(name: str, known: dict[str, Path]) -> str | None:
    """The project module an imported name lives in (``solver.graph.steps.Step`` -> ``solver.graph.steps``)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _imported_names(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: from the module's package, one level up per extra dot
        package = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def imports(known: dict[str, Path]) -> list[Import]:
    found: list[Import] = []
    for module, path in known.items():
        is_package = path.name == "__init__.py"

        def visit(node: ast.AST, lazy: bool, module: str = module, is_package: bool = is_package) -> None:
            for child in ast.iter_child_nodes(node):
                if _is_type_checking(child):
                    continue
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    names = _imported_names(child, module, is_package)
                    # ``from pkg import module`` names the module itself when there is one.
                    targets = {t for t in (_project_module(n, known) for n in names[:-1] or names) if t}
                    found.extend(Import(module, t, lazy) for t in targets if t != module)
                visit(child, lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

        visit(ast.parse(path.read_text(encoding="utf-8")), lazy=False)
    return found


def _is_type_checking(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``) with no else: imports for annotations only."""
    if not isinstance(node, ast.If) or node.orelse:
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def find_cycle(edges: list[Import]) -> list[str] | None:
    """One cycle of the directed graph, as the modules along it, or None."""
    graph: dict[str, list[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, []).append(edge.target)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(set(graph.get(node, []))):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := walk(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := walk(start)):
            return cycle
    return None


@pytest.fixture(scope="module")
def all_imports() -> list[Import]:
    return imports(modules())


def test_module_level_imports_have_no_cycle(all_imports):
    assert find_cycle([i for i in all_imports if not i.lazy]) is None


def test_no_cycle_even_through_lazy_imports(all_imports):
    assert find_cycle(all_imports) is None


def test_solver_imports_grader_only_lazily_from_its_command_line(all_imports):
    reaching = [i for i in all_imports if i.source.startswith("solver") and i.target.startswith("grader")]
    assert reaching, "the command line's grading commands come from grader"
    outside = [i for i in reaching if not (i.lazy and i.source.startswith("solver.cli"))]
    assert outside == []


def test_the_reader_sees_module_level_lazy_and_relative_imports(tmp_path):
    # The checks above can fail: a planted cycle through a lazy import, a relative import and a
    # module-level import from solver into grader are all found.
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "solver" / "one.py").write_text("from . import two\n")
    (tmp_path / "solver" / "two.py").write_text("def f():\n    from solver.one import g\n")
    (tmp_path / "solver" / "three.py").write_text("import grader.core\n")
    (tmp_path / "grader" / "core.py").write_text("")
    (tmp_path / "grader" / "typed.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import solver.one\n"
    )
    found = imports(modules(tmp_path))
    assert not [i for i in found if i.source == "grader.typed"]
    assert find_cycle(found) in (["solver.one", "solver.two", "solver.one"], ["solver.two", "solver.one", "solver.two"])
    assert find_cycle([i for i in found if not i.lazy]) is None
    assert Import("solver.three", "grader.core", False) in found
