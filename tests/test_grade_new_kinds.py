"""Grading works on every kind beyond the lecture notes like on the notes' own: homework 2 has one problem
of each (a training run, the perceptron, softmax, svm, a circuit, a batch, a transposed and a 1-D
convolution, padding, batch normalization, dropout, the LSTM), most drawn per student.

A student's answers file holds, in every problem, one wrong answer (A) and a classic mistake (C), on the
student's own variant, and works every other asked step from their own earlier answers.  The grader must
give B (a step after A) carried-forward credit, name C's mistake, and find nothing else wrong.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from fractions import Fraction

import numpy as np
import pytest
import yaml
from conftest import PROBLEMS

from grader.homework import load_homework
from grader.variants import student_homework
from solver.cli import main

HOMEWORK = PROBLEMS / "homework2_new_kinds.yaml"
STUDENT = "s042"

#: problem -> (A: answered wrong, B: right for the wrong A, C: a named mistake, the mistake's name)
CASES = {
    "q1": ("m_W1", "W1_new", "v_W1", "gradient_not_squared"),
    "q2": ("w_1_2", "mistakes_1", "w_1_1", "learning_rate_left_out"),
    "q3": ("p", "L", "dL/ds", "p_instead_of_p_minus_y"),
    "q4": ("margins", "L_i", "L", "sum_instead_of_mean"),
    "q5": ("q4", "f", "df/dw0", "multiply_own_input"),
    "q6": ("Z1", "A1", "dL/db2", "bias_gradient_averaged"),
    "q7": ("spread", "out", "feature_map", "flipped_kernel"),
    "q8": ("moves", "floor", "out", "no_plus_one"),
    "q9": (None, None, "padded", "edge_repeated"),
    "q10": ("mean", "var", "dL/dgamma", "gamma_gradient_not_summed"),
    "q11": ("scale", "y", "dL/dx", "gradient_not_masked"),
    "q12": ("i1", "c1", "dL/dW_f", "bptt_last_step_only"),
}


def _wrong(value):
    """A plausible wrong answer: every entry moved, none zero, sizes kept whole."""
    if isinstance(value, tuple):
        return tuple(v + 5 for v in value)
    if isinstance(value, int | Fraction):  # a count or an exact quotient stays exact
        return value + 5
    array = np.asarray(value, dtype=float)
    moved = array * 1.5 + 0.3 * (1 + np.arange(array.size).reshape(array.shape))
    return float(moved) if moved.ndim == 0 else moved


def _answers_of(problem, case):
    """The student's answers to one problem, in the graph's order: A wrong, C by the wrong rule, and every
    other asked step worked from the student's own earlier answers (so B, after A, is carried forward)."""
    wrong, _, mistaken, mistake = case
    solution = problem.solution
    asked = {a.reference for a in problem.asked}
    answers = {}
    for name in (s for s in solution.steps if s in asked):
        if name == wrong:
            answers[name] = _wrong(solution[name].value)
        else:
            variant = (name, mistake) if name == mistaken else None
            answers[name] = solution.evaluate(dict(answers), variant=variant)[name]
    return answers


def _plain(value):
    if isinstance(value, tuple):
        return "x".join(str(int(v)) for v in value)
    array = np.asarray(value, dtype=float)
    return float(array) if array.ndim == 0 else array.tolist()


@pytest.fixture(scope="module")
def own_homework():
    return student_homework(load_homework(HOMEWORK), STUDENT)


@pytest.fixture(scope="module")
def graded(own_homework, tmp_path_factory):
    problems = {p.id: p for p in own_homework.homework.problems}
    answers = {pid: _answers_of(problems[pid], case) for pid, case in CASES.items()}
    path = tmp_path_factory.mktemp("answers") / "answers.yaml"
    text = {"student": STUDENT, "answers": {p: {k: _plain(v) for k, v in a.items()} for p, a in answers.items()}}
    path.write_text(yaml.safe_dump(text), encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["grade", str(HOMEWORK), str(path), "--json"])
    assert code == 0
    (report,) = json.loads(out.getvalue())
    return answers, {(item["problem"], item["step"]): item for item in report["items"]}


@pytest.mark.parametrize("problem", list(CASES))
def test_each_new_kind_grades_carried_forward_and_named_mistakes(graded, own_homework, problem):
    answers, items = graded
    wrong, carried, mistaken, mistake = CASES[problem]
    solution = next(p for p in own_homework.homework.problems if p.id == problem).solution
    if wrong is not None:
        assert items[(problem, wrong)]["status"] == "wrong", items[(problem, wrong)]
        carried_value = np.asarray(_plain(answers[problem][carried]), dtype=float)
        assert not np.allclose(carried_value, _reference(solution, carried))  # B does differ from the truth
        assert items[(problem, carried)]["status"] == "carried_forward", items[(problem, carried)]
    if mistaken is not None:
        assert (items[(problem, mistaken)]["status"], items[(problem, mistaken)]["mistake"]) == ("mistake", mistake)
    others = {step for (pid, step) in items if pid == problem} - {wrong, carried, mistaken}
    assert {items[(problem, step)]["status"] for step in others} <= {"correct", "carried_forward"}


def _reference(solution, name):
    value = solution[name].value
    return np.asarray(_plain(value) if not isinstance(value, tuple) else value, dtype=float)


def test_the_carried_forward_values_are_the_rules_worked_by_hand(graded, own_homework):
    """Some of B's values, recomputed by hand from the student's wrong A (not through the solver's graph)."""
    answers, _ = graded
    problems = {p.id: p for p in own_homework.homework.problems}
    # softmax: L = −log p_y of the student's own p.
    p = np.asarray(answers["q3"]["p"], dtype=float)
    assert answers["q3"]["L"] == pytest.approx(-math.log(p[int(problems["q3"].solution["y"].value)]))
    # dropout: y = x · mask · the student's scale.
    given = problems["q11"].solution
    x, mask = np.asarray(given["x"].value, float), np.asarray(given["mask"].value, float)
    assert np.asarray(answers["q11"]["y"], float) == pytest.approx(x * mask * answers["q11"]["scale"])
    # batch normalization: the biased variance about the student's mean.
    x = np.asarray(problems["q10"].solution["x"].value, float)
    mean = np.asarray(answers["q10"]["mean"], float)
    assert np.asarray(answers["q10"]["var"], float).ravel() == pytest.approx(((x - mean) ** 2).mean(axis=0))


def test_the_homework_self_tests_on_twenty_students(cli):
    result = cli("check", HOMEWORK, "--variants", "20")
    assert result.code == 0, result.err
    assert "20 variants checked: 0 failures" in result.out
