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
    from solver.graph.names import split_entry

    prepared = _prepared_homework()
    for step in prepared.all_steps():
        step.slack  # noqa: B018 -- rounding's slack is worked out on first need, with evaluations of its own
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
    carried = {(titles[i.problem], split_entry(i.step)[0]) for i in report.items if i.status == "carried_forward"}
    assert len(carried) == 9
    assert len(asked) == len(set(asked)) and carried <= set(asked)
    assert sorted(evaluated) == sorted(asked)


# -- every source of names, found in grader.mistakes and ranked by its ``rank`` -----------------------------


@pytest.fixture(scope="module")
def homework1() -> Any:
    return _prepared_homework()


def _step(prepared: Any, problem: str, reference: str) -> Any:
    return next(s for s in prepared.all_steps() if (s.problem.id, s.reference) == (problem, reference))


@pytest.mark.parametrize(
    ("problem", "reference", "answer", "name", "source"),
    [
        ("q10", "dL/db", "sigmoid(w*x + b) - y", "author_hint", "HINT"),
        ("q7", "loss", 3.67901, "loss_without_half", "RULE"),
        ("q10", "L", "(sigmoid(w*x + b) - y)^2", "factor_2", "RULE"),
        ("q10", "L", "-1/2*(sigmoid(w*x + b) - y)^2", "sign_flipped", "RULE"),
        ("q10", "L", "3*(sigmoid(w*x + b) - y)^2/2", "constant_factor", "FACTOR"),
        ("q8", "dL/dW1", "-0.007624 -0.01525 -0.2158; 0 0 0; -0.007624 -0.01525 -0.2158", "transposed", "TRANSPOSED"),
    ],
)
def test_every_source_of_names_is_found_by_explain(homework1, problem, reference, answer, name, source):
    from grader.mistakes import Source, explain
    from grader.parse import parse_answer

    step = _step(homework1, problem, reference)
    found = explain(step, parse_answer(answer, step.kind, step.symbols), None)
    assert (found[0].name, found[0].source) == (name, Source[source])


def test_a_rule_is_named_on_the_students_own_earlier_answers(homework1):
    """A slip in z1, then the ½ left out of the loss: only the student's own z1 explains the loss."""
    import numpy as np

    from grader.mistakes import Source, explain

    step = _step(homework1, "q7", "loss")
    network = step.problem.solution
    own = {"z1": network["z1"].value + np.array([0.0, 1.0, 0.0])}
    y_hat = network.evaluate(own)["y_hat"]
    given = float(np.sum((y_hat - network["y"].value) ** 2))  # Σ (ŷ − y)², without the ½
    assert explain(step, given, None) == []
    (found,) = explain(step, given, own)
    assert (found.name, found.source, found.on_own_answers) == ("loss_without_half", Source.RULE, True)


def test_rank_orders_by_credit_then_source_then_latest_departure():
    from grader.mistakes import Explanation, Source, rank

    early = Explanation("early_rule", "", 0.25, Source.RULE, departure=3)
    late = Explanation("late_rule", "", 0.25, Source.RULE, departure=7)
    late_on_own = Explanation("late_rule", "", 0.25, Source.RULE, departure=7, on_own_answers=True)
    hint = Explanation("author_hint", "", 0.25, Source.HINT)
    generous_hint = Explanation("author_hint", "", 0.5, Source.HINT)
    accepting_hint = Explanation("author_hint", "", 1.0, Source.HINT)
    full_rule = Explanation("full_rule", "", 1.0, Source.RULE)
    factor = Explanation("factor_2", "", 0.25, Source.FACTOR)
    transposed = Explanation("transposed", "", 0.25, Source.TRANSPOSED)
    found = [transposed, factor, early, late_on_own, late, hint, generous_hint, accepting_hint, full_rule]
    assert rank(found) == [full_rule, accepting_hint, generous_hint, hint, late, late_on_own, early, factor, transposed]
    assert accepting_hint.status == "correct" and hint.status == full_rule.status == "mistake"
