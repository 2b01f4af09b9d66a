"""Forward-only problems, input gradients, a given upstream gradient, and batches in kinds neuron and mlp.

The references are written here with plain loops and ``math`` (a forward pass, losses summed by hand) and
central finite differences of them; they share no code with the solver.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.answers import read_submission
from grader.grading import grade_submission
from grader.homework import load_homework
from grader.prepare import prepare
from solver.kinds.dense import mlp, neuron

H = 1e-6

SIGMOID_NET = [
    {"weights": [[0.1, 0.2], [0.3, -0.4], [-0.5, 0.6]], "bias": [0.1, 0.2, -0.3], "activation": "tanh"},
    {"weights": [[0.5, -0.6, 0.7]], "bias": [0.3], "activation": "sigmoid"},
]


def sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v))


ACTIVATIONS = {"linear": lambda v: v, "relu": lambda v: max(v, 0.0), "tanh": math.tanh, "sigmoid": sigmoid}


def forward(layers: list[dict], x: list[float]) -> list[tuple[list[float], list[float]]]:
    """(z, a) of every layer, unit by unit."""
    out, a = [], list(x)
    for layer in layers:
        rows = enumerate(layer["weights"])
        z = [sum(w * v for w, v in zip(row, a, strict=True)) + layer["bias"][j] for j, row in rows]
        a = [ACTIVATIONS[layer["activation"]](v) for v in z]
        out.append((z, a))
    return out


def layer_givens(layers: list[dict]) -> list[mlp.LayerGiven]:
    return [mlp.LayerGiven(weights=i["weights"], bias=i["bias"], activation=i["activation"]) for i in layers]


# --- 1. Forward-only problems ----------------------------------------------------------------


def test_a_network_without_target_is_its_forward_pass_only():
    x = [1.0, -2.0]
    solution = mlp.solve(mlp.Given(layers=layer_givens(SIGMOID_NET), x=x))
    assert [step.name for step in solution if not step.is_given] == ["z1", "a1", "z2", "y_hat"]
    assert solution.title == "2-3-1 network: forward pass"
    (z1, a1), (_, out) = forward(SIGMOID_NET, x)
    assert np.allclose(solution["z1"].value, z1) and np.allclose(solution["a1"].value, a1)
    assert solution["y_hat"].value == pytest.approx(out[0], abs=1e-12)


def test_a_neuron_without_target_is_its_forward_pass_only():
    solution = neuron.solve(neuron.Given(w=[0.2, 0.3, 0.9], x=[0.5, 0.6, 0.1], b=0.5, activation="sigmoid"))
    assert [step.name for step in solution if not step.is_given] == ["z", "a"]
    assert solution["a"].value == pytest.approx(sigmoid(0.2 * 0.5 + 0.3 * 0.6 + 0.9 * 0.1 + 0.5))


FORWARD_HOMEWORK = """\
title: Forward passes
problems:
  - id: q1
    problem:
      kind: mlp
      title: A 2-3-1 network, forward only
      given:
        x: [1, -2]
        layers:
          - {weights: [[0.1, 0.2], [0.3, -0.4], [-0.5, 0.6]], bias: [0.1, 0.2, -0.3], activation: tanh}
          - {weights: [[0.5, -0.6, 0.7]], bias: [0.3], activation: sigmoid}
    ask: {z1: 1, a1: 1, y_hat: 1}
"""


def test_forward_only_problems_are_graded_with_carried_forward_credit(tmp_path):
    (tmp_path / "hw.yaml").write_text(FORWARD_HOMEWORK)
    (z1, _), (_, out) = forward(SIGMOID_NET, [1.0, -2.0])
    wrong_z1 = [v + 1 for v in z1]
    own_a1 = [math.tanh(v) for v in wrong_z1]
    answers = f"student: s1\nanswers:\n  q1: {{z1: {wrong_z1}, a1: {own_a1}, y_hat: {out[0]}}}\n"
    (tmp_path / "s1.yaml").write_text(answers)
    report = grade_submission(prepare(load_homework(tmp_path / "hw.yaml")), read_submission(tmp_path / "s1.yaml"))
    statuses = {item.step: item.status for item in report.items}
    assert statuses == {"z1": "wrong", "a1": "carried_forward", "y_hat": "correct"}


def test_forward_only_sheets_render(cli, tmp_path):
    (tmp_path / "hw.yaml").write_text(FORWARD_HOMEWORK)
    sheet = tmp_path / "sheet.html"
    result = cli("solve", tmp_path / "hw.yaml", "-o", sheet)
    assert result.code == 0, result.err
    assert "y_hat" in sheet.read_text() and "loss" not in sheet.read_text()
