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


# --- 2. Gradients with respect to the inputs; a given upstream gradient ---------------------


def central_difference(f, point: list[float]) -> np.ndarray:
    """∂f/∂point_i by central differences, one coordinate at a time."""
    gradient = []
    for i in range(len(point)):
        up, down = list(point), list(point)
        up[i] += H
        down[i] -= H
        gradient.append((f(up) - f(down)) / (2 * H))
    return np.array(gradient)


def moved_layer(layers: list[dict], number: int, key: str, index: tuple[int, ...], by: float) -> list[dict]:
    """A copy of the network with one weight or bias of layer ``number`` moved by ``by``."""
    copy = [{**item, "weights": [list(r) for r in item["weights"]], "bias": list(item["bias"])} for item in layers]
    holder = copy[number - 1][key]
    if len(index) == 2:
        holder[index[0]][index[1]] += by
    else:
        holder[index[0]] += by
    return copy


def parameter_difference(f, layers: list[dict], number: int, key: str) -> np.ndarray:
    """∂f(network)/∂(weights or bias of layer ``number``), entry by entry."""
    shape = np.shape(layers[number - 1][key])
    gradient = np.zeros(shape)
    for index in np.ndindex(*shape):
        up, down = (f(moved_layer(layers, number, key, index, by)) for by in (H, -H))
        gradient[index] = (up - down) / (2 * H)
    return gradient


UPSTREAM_NET = [
    {"weights": [[0.1, 0.2, -0.7], [0.3, -0.4, 0.2], [-0.5, 0.6, 0.1]], "bias": [0.1, 0.2, -0.3], "activation": "tanh"},
    {"weights": [[0.5, -0.6, 0.7], [0.2, 0.3, -0.1]], "bias": [0.3, -0.2], "activation": "sigmoid"},
]


def test_a_given_upstream_gradient_is_backpropagated_to_every_parameter_and_the_input():
    x, upstream = [1.0, -2.0, 0.5], [0.7, -1.3]

    def pulled_back(layers: list[dict], x: list[float] = x) -> float:
        # With dL/dŷ = g given, the gradients are those of L = g·ŷ.
        return sum(g * v for g, v in zip(upstream, forward(layers, x)[-1][1], strict=True))

    given = mlp.Given(layers=layer_givens(UPSTREAM_NET), x=x, upstream=upstream, input_gradients=True)
    solution = mlp.solve(given)
    assert "loss" not in solution and "y" not in solution
    assert solution.title == "3-3-2 network: forward pass and backpropagation"
    for number in (1, 2):
        for key, step in (("weights", f"dL/dW{number}"), ("bias", f"dL/db{number}")):
            expected = parameter_difference(pulled_back, UPSTREAM_NET, number, key)
            assert np.allclose(solution[step].value, expected, atol=1e-8), step
    assert np.allclose(solution["dL/dx"].value, central_difference(lambda v: pulled_back(UPSTREAM_NET, v), x))
    a1 = forward(UPSTREAM_NET, x)[0][1]
    top = UPSTREAM_NET[1:]
    assert np.allclose(solution["dL/da1"].value, central_difference(lambda v: pulled_back(top, v), a1), atol=1e-8)


def test_input_gradients_of_a_loss_match_central_differences():
    x, y = [0.4, -1.0, 2.0], [0.0, 1.0]

    def loss(v: list[float]) -> float:
        out = forward(UPSTREAM_NET, v)[-1][1]
        return sum((p - t) ** 2 for p, t in zip(out, y, strict=True)) / len(y)

    given = mlp.Given(layers=layer_givens(UPSTREAM_NET), x=x, y=y, loss="mse", input_gradients=True)
    assert np.allclose(mlp.solve(given)["dL/dx"].value, central_difference(loss, x), atol=1e-8)


def test_a_folded_bias_sends_no_gradient_back_through_its_column():
    # z = w0 + w1 x1 + w2 x2 (seed 004's folded bias): dL/dx has one entry per input, not per weight.
    weights = [[0.5, -1.0, 2.0]]
    layers = [mlp.LayerGiven(weights=weights, bias="folded", activation="sigmoid")]
    solution = mlp.solve(mlp.Given(layers=layers, x=[0.3, 0.2], upstream=1.0, input_gradients=True))
    slope = sigmoid(0.5 - 0.3 + 0.4) * (1 - sigmoid(0.5 - 0.3 + 0.4))
    assert np.allclose(solution["dL/dx"].value, [-1.0 * slope, 2.0 * slope])


def test_a_neuron_backpropagates_a_given_upstream_gradient_to_its_input():
    w, x, b, upstream = [0.2, -0.5], [1.0, 3.0], 0.1, 2.0

    def pulled_back(w: list[float], x: list[float], b: float = b) -> float:
        return upstream * math.tanh(sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b)

    given = neuron.Given(w=w, x=x, b=b, activation="tanh", upstream=upstream, input_gradients=True)
    solution = neuron.solve(given)
    assert "loss" not in solution
    assert np.allclose(solution["dL/dw"].value, central_difference(lambda v: pulled_back(v, x), w))
    assert np.allclose(solution["dL/dx"].value, central_difference(lambda v: pulled_back(w, v), x))
    assert solution["dL/db"].value == pytest.approx((pulled_back(w, x, b + H) - pulled_back(w, x, b - H)) / (2 * H))


def test_the_input_gradient_names_an_untransposed_weight_matrix():
    layers = layer_givens(UPSTREAM_NET)
    solution = mlp.solve(mlp.Given(layers=layers, x=[1.0, -2.0, 0.5], upstream=[1.0, 1.0], input_gradients=True))
    wrong = solution.evaluate(variant=("dL/dx", "weights_not_transposed"))["dL/dx"]
    w1, delta1 = np.array(UPSTREAM_NET[0]["weights"]), solution["delta1"].value
    assert np.allclose(wrong, w1 @ delta1) and not np.allclose(wrong, solution["dL/dx"].value)


def one_error_line(result) -> str:
    assert result.code == 2, result.out
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnsolve: error: ") and "Traceback" not in result.err
    return lines[0]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("upstream: [1, 2]\n  y: [1, 0]", "y is given with upstream; the upstream gradient"),
        ("upstream: [1, 2]\n  loss: mse", "loss is given with upstream"),
        ("upstream: [1, 2, 3]", "the upstream gradient has 3 entries but the last layer has 2 units"),
        ("upstream: [[1, 2], [3, 4]]", "upstream has a list inside a list; expected one number per output unit"),
        ("upstream: [1, 2]\n  steps: 3\n  learning_rate: 0.1", "steps = 3 with a given upstream gradient"),
    ],
)
def test_bad_upstream_is_one_line(cli, tmp_path, given, message):
    path = tmp_path / "p.yaml"
    layers = "  layers:\n    - {weights: [[1, 2], [3, 4]], bias: [0, 0]}\n"
    path.write_text(f"kind: mlp\ngiven:\n  x: [1, 2]\n  {given}\n{layers}")
    assert message in one_error_line(cli("solve", path))


def test_the_neuron_command_takes_an_upstream_gradient(cli):
    result = cli("neuron", "--w", "0.5", "--x", "2", "--act", "sigmoid", "--upstream", "1", "--input-gradients")
    assert result.code == 0, result.err
    slope = sigmoid(1.0) * (1 - sigmoid(1.0))
    assert f"dL/dx = dL/da·da/dz·dz/dx = 1·{slope:.6g}·0.5 = {0.5 * slope:.6g}" in result.out
    assert "--y: y is given with upstream" in one_error_line(
        cli("neuron", "--w", "1", "--x", "2", "--upstream", "1", "--y", "0")
    )
