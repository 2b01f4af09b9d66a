"""Rounding intermediate values to 4 significant figures, as the notes do, is not a mistake."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml
from conftest import PROBLEMS

from grader.homework import load_homework
from grader.judge import judge
from grader.prepare import prepare
from grader.rounding import rounded, rounding_error
from solver.files.problem_file import problem_from_data

SEED_004_Q2 = {
    "kind": "mlp",
    "given": {
        "x": [0, 1],
        "y": 3,
        "layers": [
            {"weights": [[0, 1, 2], [2, 1, 0], [0, 2, 0]], "bias": "folded", "activation": "tanh"},
            {"weights": [[0, 1, 2, 2]], "bias": "folded", "activation": "linear"},
        ],
        "loss": "half_squared",
    },
}


def by_hand(round_to: int | None) -> float:
    """Seed 004's vector-form forward pass written out, rounding each intermediate if asked."""

    def r(v):
        return np.vectorize(lambda t: rounded(float(t), round_to))(v) if round_to else v

    x = np.array([1.0, 0.0, 1.0])
    alpha = np.array([[0, 1, 2], [2, 1, 0], [0, 2, 0]], dtype=float)
    beta = np.array([0, 1, 2, 2], dtype=float)
    z = r(np.tanh(r(alpha @ x)))
    y_hat = float(r(beta @ np.concatenate([[1.0], z])))
    return 0.5 * (y_hat - 3) ** 2


def test_rounding_helpers():
    assert rounded(2.8920827, 4) == 2.892
    assert rounded(-0.0076244, 2) == -0.0076
    assert rounding_error(2.0, 4) == 0  # an exact value has nothing to round
    assert rounding_error(2.8920827, 4) == pytest.approx(8.27e-5, rel=1e-2)


@pytest.fixture(scope="module")
def loss_step(tmp_path_factory):
    solution = problem_from_data(SEED_004_Q2, {}, "seed 004 q2").solve()
    assert solution["loss"].value == pytest.approx(by_hand(None))
    directory = tmp_path_factory.mktemp("hw")
    (directory / "hw.yaml").write_text(
        "title: t\nproblems:\n  - id: q\n    grading: {sigfigs: 4}\n    ask: {loss: 1}\n    problem:\n"
        + "\n".join("      " + line for line in yaml.safe_dump(SEED_004_Q2).splitlines())
        + "\n",
        encoding="utf-8",
    )
    return prepare(load_homework(directory / "hw.yaml")).all_steps()[0]


def test_the_seeds_rounded_loss_is_accepted(loss_step):
    exact = 0.0058231
    assert loss_step.expected == pytest.approx(exact, abs=5e-8)
    seed = 0.005822284  # seed 004: ŷ rounded to 2.89209 before squaring
    strict = judge(seed, loss_step.expected, "number", loss_step.tolerance)
    assert not strict.full  # 4 significant figures alone would refuse it...
    verdict = judge(seed, loss_step.expected, "number", loss_step.tolerance, loss_step.slack)
    assert verdict.full and verdict.used_slack  # ...the rounding slack explains it


@pytest.mark.parametrize("digits", [4, 5, 6])
def test_slack_covers_a_student_who_rounds_every_intermediate(loss_step, digits):
    student = by_hand(digits)
    assert abs(student - loss_step.expected) <= loss_step.slack + 1e-12


def test_slack_does_not_excuse_a_real_mistake(loss_step):
    forgot_the_half = 2 * loss_step.expected
    assert not judge(forgot_the_half, loss_step.expected, "number", loss_step.tolerance, loss_step.slack).full
    assert loss_step.slack < 0.01 * loss_step.expected


def test_exact_steps_have_no_slack():
    homework = prepare(load_homework(PROBLEMS / "homework1.yaml"))
    sizes = [s for s in homework.all_steps() if s.kind in ("integer", "shape")]
    assert sizes and all(not np.any(s.slack) for s in sizes)
    assert math.isfinite(float(np.max([np.max(s.slack) for s in homework.all_steps()])))


def test_a_slack_too_costly_to_work_out_is_left_to_the_tolerance(monkeypatch):
    """A batch of 40 sequences of 10 steps: the loss has a thousand rounded ancestors in a graph of thousands of
    steps. Working out its slack would recompute the graph thousands of times; the guard leaves it out instead."""
    from grader import rounding
    from solver.graph.steps import Solution

    rng = np.random.default_rng(0)
    batch = [{"x": rng.uniform(-1, 1, 10).round(2).tolist(), "y": 0.5} for _ in range(40)]
    data = {"kind": "rnn", "given": {"W_x": [[0.5]], "W_h": [[0.8]], "W_y": [[1.2]], "batch": batch}}
    solution = problem_from_data(data, {}, "big").solve()
    ancestors = [n for n in solution.ancestors("loss") if not solution[n].is_given]
    work = sum(rounding._nudge_count(solution[n].value) for n in ancestors) * len(solution.steps)
    assert work > rounding.MAX_SLACK_WORK  # the guard's case, not a small problem's

    recomputed = []
    real_evaluate = Solution.evaluate

    def counted(self, *args, **kwargs):
        recomputed.append(args)
        return real_evaluate(self, *args, **kwargs)

    monkeypatch.setattr(Solution, "evaluate", counted)
    assert rounding.rounding_slack(solution, "loss", lambda values: values["loss"], 4) == 0.0
    assert recomputed == []  # the guard decided before any recomputation
