"""The grader's core: what it imports from the solver, and how often it does each piece of work."""

from __future__ import annotations

import ast
import math
from pathlib import Path
from typing import Any

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


# -- earlier answers are judged by their own step's rule ---------------------------------------------------


def _grade(tmp_path: Path, homework: str, answers: str) -> dict[str, Any]:
    from grader.answers import read_submission
    from grader.grading import grade_submission
    from grader.homework import load_homework
    from grader.prepare import prepare

    (tmp_path / "hw.yaml").write_text(homework, encoding="utf-8")
    (tmp_path / "s.yaml").write_text(answers, encoding="utf-8")
    graded = grade_submission(prepare(load_homework(tmp_path / "hw.yaml")), read_submission(tmp_path / "s.yaml"))
    return {item.step: item for item in graded.items}


SIGMOID_NEURON = "problem: {kind: neuron, given: {w: [0.2, 0.3, 0.9], x: [0.5, 0.6, 0.1], b: 0.5, activation: sigmoid}}"


def test_an_earlier_answer_right_by_its_own_tolerance_carries_nothing_forward(tmp_path):
    """z = 0.9 is right within z's 5%: a is then judged against the truth, not against σ(0.9)."""
    homework = (
        f"title: t\ngrading: {{round_intermediates: 0}}\nproblems:\n  - id: q\n    {SIGMOID_NEURON}\n"
        "    ask: {z: {points: 1, rtol: 0.05}, a: {points: 1, rtol: 0.0001}}\n"
    )
    sigmoid_of_slip = 1 / (1 + math.exp(-0.9))
    items = _grade(tmp_path, homework, f"student: s\nanswers: {{q: {{z: 0.9, a: {sigmoid_of_slip}}}}}\n")
    assert items["z"].status == "correct"
    assert (items["a"].status, items["a"].score) == ("wrong", 0.0)


def test_an_earlier_answer_wrong_by_its_own_tolerance_carries_forward(tmp_path):
    """The same slip, with z asked to 1%: a is right for the student's z."""
    homework = (
        f"title: t\ngrading: {{round_intermediates: 0}}\nproblems:\n  - id: q\n    {SIGMOID_NEURON}\n"
        "    ask: {z: {points: 1, rtol: 0.01}, a: {points: 1, rtol: 0.0001}}\n"
    )
    sigmoid_of_slip = 1 / (1 + math.exp(-0.9))
    items = _grade(tmp_path, homework, f"student: s\nanswers: {{q: {{z: 0.9, a: {sigmoid_of_slip}}}}}\n")
    assert items["z"].status == "wrong"
    assert items["a"].status == "carried_forward" and items["a"].feedback == "correct for your z = 0.9"


# -- each answer parsed once, each step recomputed once, from its ancestors only ---------------------------

SUBMISSIONS = PROBLEMS / "submissions"


def _prepared_homework() -> Any:
    from grader.homework import load_homework
    from grader.prepare import prepare

    return prepare(load_homework(PROBLEMS / "homework1.yaml"))


@pytest.mark.parametrize("student", ["cleo_carried_forward", "eve_dense_mistakes", "ben_rounded"])
def test_each_answer_is_parsed_once(monkeypatch, student):
    import grader.grading
    from grader.answers import read_submission

    prepared = _prepared_homework()
    submission = read_submission(SUBMISSIONS / f"{student}.yaml")
    parsed: list[Any] = []
    real = grader.grading.parse_answer

    def counting(raw: Any, *args: Any) -> Any:
        parsed.append(raw)
        return real(raw, *args)

    monkeypatch.setattr(grader.grading, "parse_answer", counting)
    grader.grading.grade_submission(prepared, submission)
    asked = {(s.problem.id, s.reference) for s in prepared.all_steps()}
    answers = [
        raw for problem, raws in submission.answers.items() for step, raw in raws.items() if (problem, step) in asked
    ]
    assert len(parsed) == len(answers) and sorted(map(repr, parsed)) == sorted(map(repr, answers))


def test_each_wrong_step_is_recomputed_once_from_its_ancestors_only(monkeypatch):
    """Cleo's slips are carried forward: each later step is recomputed once, and only from what it depends on."""
    import grader.grading
    import solver.graph.steps as steps
    from grader.answers import read_submission
    from grader.prepare import base_name

    prepared = _prepared_homework()
    asked: list[tuple[str, str]] = []  # (problem title, step) of each recomputation the grader asks for
    evaluated: list[tuple[str, str]] = []  # ... and of each the solution actually runs
    computed: list[str] = []
    real_value, real_evaluate, real_run = grader.grading.mistake_value, steps.Solution.evaluate, steps._run

    def mistake_value(solution: Any, mistake: Any, pick: Any, overrides: Any = None, target: Any = None) -> Any:
        if mistake is None:
            asked.append((solution.title, target))
        return real_value(solution, mistake, pick, overrides, target)

    def evaluate(solution: Any, overrides: Any = None, variant: Any = None, upto: Any = None) -> Any:
        computed.clear()
        values = real_evaluate(solution, overrides, variant, upto)
        if overrides and variant is None:
            assert set(computed) <= set(solution.ancestors(upto)), upto
            evaluated.append((solution.title, upto))
        return values

    def run(step: Any, *args: Any) -> Any:
        computed.append(step.name)
        return real_run(step, *args)

    monkeypatch.setattr(grader.grading, "mistake_value", mistake_value)
    monkeypatch.setattr(steps.Solution, "evaluate", evaluate)
    monkeypatch.setattr(steps, "_run", run)
    report = grader.grading.grade_submission(prepared, read_submission(SUBMISSIONS / "cleo_carried_forward.yaml"))
    titles = {p.id: p.solution.title for p in prepared.homework.problems}
    carried = {(titles[i.problem], base_name(i.step)) for i in report.items if i.status == "carried_forward"}
    assert len(carried) == 9
    assert len(asked) == len(set(asked)) and carried <= set(asked)
    assert sorted(evaluated) == sorted(asked)
