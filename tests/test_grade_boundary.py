"""The solver library never imports the grader: only the command line joins them."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest
from conftest import ROOT

LIBRARY = sorted(p for p in (ROOT / "solver").rglob("*.py") if "cli" not in p.relative_to(ROOT / "solver").parts)


def imported_modules(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", LIBRARY, ids=[str(p.relative_to(ROOT)) for p in LIBRARY])
def test_solver_module_does_not_import_grader(path):
    found = imported_modules(ast.parse(path.read_text(encoding="utf-8")))
    assert not {name for name in found if name == "grader" or name.startswith("grader.")}, path


def test_importing_every_solver_module_leaves_grader_unloaded():
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in LIBRARY]
    code = (
        f"import importlib, sys\nfor m in {modules!r}:\n    importlib.import_module(m)\nprint('grader' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
