"""The grader's core: what it imports from the solver, and how often it does each piece of work."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GRADER = Path(__file__).resolve().parent.parent / "grader"


def _private_solver_imports(source: str) -> list[str]:
    """Names with a leading underscore that ``source`` imports from the solver package."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "solver":
            parts = node.module.split(".") + [alias.name for alias in node.names]
            found += [f"{node.module}: {part}" for part in parts if part.startswith("_")]
    return found


def test_the_scan_finds_a_private_import():
    assert _private_solver_imports("from solver.graph.values import Shape, _hidden\n") == [
        "solver.graph.values: _hidden"
    ]


def test_the_grader_imports_no_private_names_of_the_solver():
    found = {path.name: _private_solver_imports(path.read_text()) for path in sorted(GRADER.glob("*.py"))}
    assert {name: names for name, names in found.items() if names} == {}


# -- a homework file is read once ----------------------------------------------------------------------


PROBLEMS = GRADER.parent / "problems"


@pytest.mark.parametrize("command", ["solve", "check"])
def test_a_homework_file_is_read_once(cli, monkeypatch, command):
    from solver.files import reading

    read: list[Path] = []
    real = reading.read_text

    def counting(path: Path, *args: object) -> str:
        read.append(Path(path).resolve())
        return real(path, *args)

    monkeypatch.setattr(reading, "read_text", counting)
    homework = PROBLEMS / "homework1.yaml"
    result = cli(command, homework)
    assert result.code == 0, result.err
    assert read.count(homework.resolve()) == 1
    assert len(read) == len(set(read))  # and each problem file it names, once
