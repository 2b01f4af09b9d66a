"""Forward-only problems, input gradients, a given upstream gradient, and batches in kinds neuron and mlp.

The references are written here with plain loops and ``math`` (a forward pass, losses summed by hand) and
central finite differences of them; they share no code with the solver.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import PROBLEMS

from grader.answers import read_submission
from grader.grading import grade_submission
from grader.homework import load_homework
from grader.prepare import prepare
from solver.files.problem_file import load_problem
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


# --- 3. A batch as matrices ----------------------------------------------------------------

BATCH_X = [[1.0, -2.0, 0.5], [0.3, 0.8, -1.1], [-0.6, 0.2, 0.9], [1.4, 0.1, 0.0]]


def example_losses(layers: list[dict], xs: list[list[float]], ys: list[list[float]], loss: str) -> list[float]:
    """Each example's loss, from the loop forward pass."""
    losses = []
    for x, y in zip(xs, ys, strict=True):
        out = forward(layers, x)[-1][1]
        if loss == "bce":
            losses.append(-sum(t * math.log(p) + (1 - t) * math.log(1 - p) for p, t in zip(out, y, strict=True)))
        else:  # mse
            losses.append(sum((p - t) ** 2 for p, t in zip(out, y, strict=True)) / len(y))
    return losses


@pytest.mark.parametrize(("loss", "reduction"), [("mse", None), ("mse", "sum"), ("bce", "mean")])
def test_batch_gradients_are_those_of_the_reduced_loss(loss, reduction):
    ys = [[0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
    reduce = sum if reduction == "sum" else (lambda v: sum(v) / len(v))  # PyTorch's default is the mean

    def batch_loss(layers: list[dict], xs: list[list[float]] = BATCH_X) -> float:
        return reduce(example_losses(layers, xs, ys, loss))

    given = mlp.Given(layers=layer_givens(UPSTREAM_NET), x=BATCH_X, y=ys, loss=loss, batch=True, input_gradients=True)
    if reduction:
        given.reduction = reduction
    solution = mlp.solve(given)
    assert solution["loss"].value == pytest.approx(batch_loss(UPSTREAM_NET), abs=1e-12)
    assert np.allclose(solution["losses"].value, example_losses(UPSTREAM_NET, BATCH_X, ys, loss))
    for number in (1, 2):
        for key, step in (("weights", f"dL/dW{number}"), ("bias", f"dL/db{number}")):
            expected = parameter_difference(batch_loss, UPSTREAM_NET, number, key)
            assert np.allclose(solution[step].value, expected, atol=1e-8), step
    for row, x in enumerate(BATCH_X):

        def moved_example(v: list[float], row: int = row) -> float:
            return batch_loss(UPSTREAM_NET, [v if i == row else other for i, other in enumerate(BATCH_X)])

        assert np.allclose(solution["dL/dX"].value[row], central_difference(moved_example, x), atol=1e-8)


def test_a_batch_with_input_gradients_sends_every_hidden_layer_its_gradient_too():
    ys = [[0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
    given = mlp.Given(layers=layer_givens(UPSTREAM_NET), x=BATCH_X, y=ys, loss="mse", batch=True, input_gradients=True)
    solution = mlp.solve(given)
    hidden = [forward(UPSTREAM_NET, x)[0][1] for x in BATCH_X]  # each example's A1, from the loop pass
    for row, a1 in enumerate(hidden):

        def moved_activation(v: list[float], row: int = row) -> float:
            moved = [v if i == row else other for i, other in enumerate(hidden)]
            return sum(example_losses(UPSTREAM_NET[1:], moved, ys, "mse")) / len(moved)

        assert np.allclose(solution["dL/dA1"].value[row], central_difference(moved_activation, a1), atol=1e-8)


def test_the_bias_is_written_as_a_row_added_to_every_example_on_the_sheet(cli):
    out = cli("mlp", "--x", "1 2; 3 4; 5 6", "--batch", "--layer", "tanh W=0.1 0.2; 0.3 0.4 b=0.5 -0.5", "--json").out
    (z1,) = [step["latex"] for step in json.loads(out)["steps"] if step["name"] == "Z1"]
    # b1 has one entry per unit (a column on the sheet); transposed, it is the row each example's row gets
    assert z1.startswith(r"Z_{1} = X W_{1}^\top + b_{1}^\top = ")
    assert r"+ \begin{bmatrix} 0.5 \\ -0.5 \end{bmatrix}^\top = " in z1


def test_the_batch_forward_pass_and_its_statistics_match_per_example_loops():
    solution = mlp.solve(mlp.Given(layers=layer_givens(UPSTREAM_NET), x=BATCH_X, batch=True))
    passes = [forward(UPSTREAM_NET, x) for x in BATCH_X]
    for number, (z, a) in enumerate((("Z1", "A1"), ("Z2", "Y_hat"))):
        zs = [layers[number][0] for layers in passes]
        outs = [layers[number][1] for layers in passes]
        assert np.allclose(solution[z].value, zs) and np.allclose(solution[a].value, outs)
        units = len(zs[0])
        assert np.allclose(solution[f"mean_{z}"].value, [sum(r[j] for r in zs) / len(zs) for j in range(units)])
        assert np.allclose(solution[f"mean_{a}"].value, [sum(r[j] for r in outs) / len(outs) for j in range(units)])
    assert "loss" not in solution and "Delta1" not in solution
    assert solution.title == "3-3-2 network on a batch of 4: forward pass"


def test_a_softmax_batch_normalises_each_row_and_matches_central_differences():
    layers = [
        {"weights": [[0.2, -0.4, 0.1], [0.5, 0.3, -0.2]], "bias": [0.1, -0.1], "activation": "tanh"},
        {"weights": [[0.3, -0.5], [-0.2, 0.4], [0.6, 0.1]], "bias": [0.0, 0.2, -0.1], "activation": "softmax"},
    ]
    ys = [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]

    def batch_loss(moved: list[dict]) -> float:
        total = 0.0
        for x, y in zip(BATCH_X, ys, strict=True):
            _, a1 = forward(moved[:1], x)[0]
            z2 = [
                sum(w * v for w, v in zip(row, a1, strict=True)) + b
                for row, b in zip(moved[1]["weights"], moved[1]["bias"], strict=True)
            ]
            norm = sum(math.exp(v) for v in z2)
            total -= sum(t * (v - math.log(norm)) for v, t in zip(z2, y, strict=True))
        return total / len(ys)

    givens = [mlp.LayerGiven(weights=i["weights"], bias=i["bias"], activation=i["activation"]) for i in layers]
    solution = mlp.solve(mlp.Given(layers=givens, x=BATCH_X, y=ys, loss="cross_entropy", batch=True))
    assert np.allclose(np.sum(solution["Y_hat"].value, axis=1), 1.0)
    for number in (1, 2):
        assert np.allclose(
            solution[f"dL/dW{number}"].value, parameter_difference(batch_loss, layers, number, "weights"), atol=1e-8
        )


def test_a_folded_bias_batch_matches_the_per_example_sum():
    layers = [mlp.LayerGiven(weights=[[0.5, -1.0, 2.0], [0.1, 0.3, -0.2]], bias="folded", activation="sigmoid")]
    xs, ys = [[0.3, 0.2], [-0.5, 1.0]], [[1.0, 0.0], [0.0, 1.0]]
    batch = mlp.solve(mlp.Given(layers=layers, x=xs, y=ys, batch=True, reduction="sum", learning_rate=0.5))
    per_example = mlp.solve(mlp.Given(layers=layers, x=xs, y=ys, reduction="sum", learning_rate=0.5))
    for name in ("loss", "dL/dW1", "W1_new"):
        assert np.allclose(batch[name].value, per_example[name].value), name


def test_an_upstream_gradient_per_example_is_backpropagated_through_the_batch():
    upstream = [[0.7, -1.3], [0.2, 0.0], [-0.4, 1.0], [1.0, 1.0]]

    def pulled_back(layers: list[dict]) -> float:
        return sum(
            g * v
            for x, gs in zip(BATCH_X, upstream, strict=True)
            for g, v in zip(gs, forward(layers, x)[-1][1], strict=True)
        )

    solution = mlp.solve(mlp.Given(layers=layer_givens(UPSTREAM_NET), x=BATCH_X, upstream=upstream, batch=True))
    assert "loss" not in solution
    assert np.allclose(
        solution["dL/dW1"].value, parameter_difference(pulled_back, UPSTREAM_NET, 1, "weights"), atol=1e-8
    )


def test_batch_mistakes_are_recognised():
    ys = [[0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
    solution = mlp.solve(mlp.Given(layers=layer_givens(UPSTREAM_NET), x=BATCH_X, y=ys, batch=True))
    summed = solution.evaluate(variant=("dL/dY_hat", "sum_instead_of_mean"))
    assert np.allclose(summed["dL/dW2"], 4 * solution["dL/dW2"].value)
    averaged = solution.evaluate(variant=("dL/db1", "bias_gradient_averaged"))["dL/db1"]
    assert np.allclose(averaged, solution["dL/db1"].value / 4)
    untransposed = solution.evaluate(variant=("Z1", "weights_not_transposed"))["Z1"]
    assert np.allclose(untransposed, np.array(BATCH_X) @ np.array(UPSTREAM_NET[0]["weights"]) + [0.1, 0.2, -0.3])
    assert np.allclose(
        solution.evaluate(variant=("mean_Z1", "mean_over_units"))["mean_Z1"], np.mean(solution["Z1"].value, axis=1)
    )


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("x: [[1, 2], [3]]\n  y: [1, 0]", "example 2 has 1 inputs, example 1 has 2"),
        ("x: [[1, 2], [3, 4]]\n  y: [[1, 0], [1]]", "the target has 1 entries but the last layer has 2 units"),
        ("x: [[1, 2], [3, 4]]\n  y: [1, 0, 1]", "2 inputs but 3 targets; expected one per example"),
        ("x: [1, 2]", "batch: true needs a list of inputs"),
    ],
)
def test_a_ragged_batch_is_one_line(cli, tmp_path, given, message):
    path = tmp_path / "p.yaml"
    path.write_text(f"kind: mlp\ngiven:\n  batch: true\n  {given}\n  layers:\n    - {{weights: [[1, 2], [3, 4]]}}\n")
    assert message in one_error_line(cli("solve", path))


def test_a_batch_of_a_published_example_twice_averages_to_its_published_answers(cli):
    # With the mean over the batch, two copies of Mazur's example give his one-example gradients and update.
    result = cli("check", PROBLEMS / "mazur_2_2_2_batch_mean.yaml")
    assert result.code == 0, result.out + result.err
    assert "10 agree, 0 known errata, 0 unexplained discrepancies" in result.out


def test_a_neuron_on_a_batch_matches_central_differences_of_the_mean_loss():
    w, b, xs, ys = [0.2, -0.5], 0.1, [[1.0, 3.0], [0.5, -1.0], [2.0, 2.0]], [1.0, 0.0, 1.0]

    def mean_bce(w: list[float], b: float = b) -> float:
        total = 0.0
        for x, y in zip(xs, ys, strict=True):
            p = sigmoid(sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b)
            total -= y * math.log(p) + (1 - y) * math.log(1 - p)
        return total / len(xs)

    # A list of inputs is a batch without saying batch: true.
    solution = neuron.solve(neuron.Given(w=w, x=xs, b=b, y=ys, activation="sigmoid", loss="bce"))
    assert solution["loss"].value == pytest.approx(mean_bce(w))
    assert np.allclose(solution["dL/dW1"].value, [central_difference(mean_bce, w)], atol=1e-8)
    assert solution["dL/db1"].value == pytest.approx((mean_bce(w, b + H) - mean_bce(w, b - H)) / (2 * H), abs=1e-8)


def test_a_ragged_neuron_batch_is_one_line(cli, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("kind: neuron\ngiven:\n  w: [1, 2]\n  x: [[1, 2], [3, 4, 5]]\n  y: [1, 0]\n")
    assert "example 2 has 3 inputs, example 1 has 2" in one_error_line(cli("solve", path))
    path.write_text("kind: neuron\ngiven:\n  w: [1, 2, 3]\n  x: [[1, 2], [3, 4]]\n  y: [1, 0]\n")
    line = one_error_line(cli("solve", path))
    assert ":3: given.w" in line and "w has 3 entries but each example of x has 2" in line


BATCH_HOMEWORK = """\
title: A batch
problems:
  - id: q1
    file: {problem}
    ask: {{Z1: 1, A1: 1, loss: 1, dL/dW2: 2}}
"""


def test_a_batch_is_graded_with_carried_forward_credit_and_named_mistakes(tmp_path):
    (tmp_path / "hw.yaml").write_text(BATCH_HOMEWORK.format(problem=PROBLEMS / "mazur_2_2_2_batch_mean.yaml"))
    right = load_problem(PROBLEMS / "mazur_2_2_2_batch_mean.yaml").solve()
    wrong_z1 = (np.asarray(right["Z1"].value) + 0.5).tolist()
    own_a1 = [[sigmoid(v) for v in row] for row in wrong_z1]
    summed = right.evaluate(variant=("dL/dY_hat", "sum_instead_of_mean"))["dL/dW2"].tolist()
    answers = {"Z1": wrong_z1, "A1": own_a1, "loss": right["loss"].value, "dL/dW2": summed}
    (tmp_path / "s1.yaml").write_text(f"student: s1\nanswers:\n  q1: {answers}\n".replace("'", '"'))
    report = grade_submission(prepare(load_homework(tmp_path / "hw.yaml")), read_submission(tmp_path / "s1.yaml"))
    graded = {item.step: (item.status, item.mistake) for item in report.items}
    assert graded == {
        "Z1": ("wrong", None),
        "A1": ("carried_forward", None),
        "loss": ("correct", None),
        "dL/dW2": ("mistake", "sum_instead_of_mean"),
    }


def test_a_loss_slip_made_in_every_row_is_named():
    ys = [[0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
    solution = mlp.solve(mlp.Given(layers=layer_givens(UPSTREAM_NET), x=BATCH_X, y=ys, loss="mse", batch=True))
    halved = solution.evaluate(variant=("losses", "loss_with_half"))
    assert np.allclose(halved["losses"], np.asarray(example_losses(UPSTREAM_NET, BATCH_X, ys, "mse")) / 2)
    assert halved["loss"] == pytest.approx(solution["loss"].value / 2)


def test_a_batch_of_one_is_the_example_itself():
    x, y = [1.0, -2.0, 0.5], [0.0, 1.0]
    batch = mlp.solve(mlp.Given(layers=layer_givens(UPSTREAM_NET), x=[x], y=[y], batch=True))
    single = mlp.solve(mlp.Given(layers=layer_givens(UPSTREAM_NET), x=x, y=y))
    assert np.allclose(batch["dL/dW1"].value, single["dL/dW1"].value)
    assert batch["loss"].value == pytest.approx(single["loss"].value)
