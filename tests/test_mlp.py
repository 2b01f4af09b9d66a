"""Kind mlp: gradients against central finite differences, seed and published figures, named mistakes,
golden sheets and bad input.

The finite-difference reference is a forward pass written here with plain loops and ``math``; it shares no
code with the solver.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from conftest import PROBLEMS, assert_golden
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from solver.files.problem_file import load_problem
from solver.kinds.dense.mlp import Given, LayerGiven, solve

HIDDEN_ACTIVATIONS = ["linear", "relu", "leaky_relu", "sigmoid", "tanh"]
LOSSES = ["mse", "sse", "half_squared", "mae", "huber", "bce", "cross_entropy", "nll", "hinge"]
H = 1e-6


# --- An independent reference: forward pass and losses with loops and math ------------------


def act(name: str, z: list[float]) -> list[float]:
    if name == "softmax":
        top = max(z)
        e = [math.exp(v - top) for v in z]
        return [v / sum(e) for v in e]
    table = {
        "linear": lambda v: v,
        "relu": lambda v: v if v > 0 else 0.0,
        "leaky_relu": lambda v: v if v > 0 else 0.01 * v,
        "sigmoid": lambda v: 1 / (1 + math.exp(-v)),
        "tanh": math.tanh,
    }
    return [table[name](v) for v in z]


def reference_loss(name: str, p: list[float], y: list[float]) -> float:
    n = len(p)
    r = [pi - yi for pi, yi in zip(p, y, strict=True)]
    if name == "mse":
        return sum(v * v for v in r) / n
    if name == "sse":
        return sum(v * v for v in r)
    if name == "half_squared":
        return sum(v * v for v in r) / 2
    if name == "mae":
        return sum(abs(v) for v in r) / n
    if name == "huber":
        return sum(v * v / 2 if abs(v) <= 1 else abs(v) - 0.5 for v in r) / n
    if name == "bce":
        return -sum(yi * math.log(pi) + (1 - yi) * math.log(1 - pi) for pi, yi in zip(p, y, strict=True))
    if name in ("cross_entropy", "nll"):
        return -sum(yi * math.log(pi) for pi, yi in zip(p, y, strict=True) if yi)
    if name == "hinge":
        return sum(max(0.0, 1 - yi * pi) for pi, yi in zip(p, y, strict=True)) / n
    raise AssertionError(name)


def reference_forward(layers: list[dict], x: list[float]) -> tuple[list[list[float]], list[float]]:
    """Pre-activations of every layer and the output."""
    a, zs = list(x), []
    for layer in layers:
        z = []
        for j, row in enumerate(layer["weights"]):
            total = sum(w * v for w, v in zip(row, a, strict=True))
            z.append(total + (layer["bias"][j] if layer["bias"] is not None else 0.0))
        zs.append(z)
        a = act(layer["activation"], z)
    return zs, a


def numeric_gradient(layers: list[dict], x: list[float], y: list[float], loss: str, layer: int, key: str) -> np.ndarray:
    """Central differences of the reference loss with respect to one layer's weights or biases."""
    target = layers[layer][key]
    shape = np.shape(target)
    gradient = np.zeros(shape)
    for index in np.ndindex(*shape):
        values = []
        for step in (H, -H):
            moved = [
                dict(item, weights=[list(r) for r in item["weights"]], bias=item["bias"] and list(item["bias"]))
                for item in layers
            ]
            holder = moved[layer][key]
            if len(index) == 2:
                holder[index[0]][index[1]] += step
            else:
                holder[index[0]] += step
            values.append(reference_loss(loss, reference_forward(moved, x)[1], y))
        gradient[index] = (values[0] - values[1]) / (2 * H)
    return gradient


def kinks(layers: list[dict], x: list[float], y: list[float], loss: str) -> float:
    """How close the point is to a place where the loss is not differentiable (FD is meaningless there)."""
    zs, out = reference_forward(layers, x)
    distances = [1.0]
    for layer, z in zip(layers, zs, strict=True):
        if layer["activation"] in ("relu", "leaky_relu"):
            distances += [abs(v) for v in z]
    residual = [p - t for p, t in zip(out, y, strict=True)]
    if loss == "mae":
        distances += [abs(r) for r in residual]
    if loss == "huber":
        distances += [abs(abs(r) - 1) for r in residual]
    if loss == "hinge":
        distances += [abs(1 - t * p) for p, t in zip(out, y, strict=True)]
    return min(distances)


@st.composite
def networks(draw):
    depth = draw(st.integers(1, 3))
    widths = [draw(st.integers(1, 4)) for _ in range(depth + 1)]
    loss = draw(st.sampled_from(LOSSES))
    number = st.floats(-1.5, 1.5, allow_nan=False).map(lambda v: round(v, 3))
    layers = []
    for i in range(depth):
        last = i == depth - 1
        if last and loss in ("cross_entropy", "nll"):
            activation = "softmax"
            widths[-1] = max(widths[-1], 2)
        elif last and loss == "bce":
            activation = "sigmoid"
        else:
            activation = draw(st.sampled_from(HIDDEN_ACTIVATIONS))
        units, inputs = widths[i + 1], widths[i]
        weights = [[draw(number) for _ in range(inputs)] for _ in range(units)]
        bias = [draw(number) for _ in range(units)] if draw(st.booleans()) else None
        layers.append({"weights": weights, "bias": bias, "activation": activation})
    x = [draw(number) for _ in range(widths[0])]
    out = widths[-1]
    if loss in ("cross_entropy", "nll"):
        hot = draw(st.integers(0, out - 1))
        y = [1.0 if k == hot else 0.0 for k in range(out)]
    elif loss == "bce":
        y = [draw(st.sampled_from([0.0, 1.0, 0.3])) for _ in range(out)]
    elif loss == "hinge":
        y = [draw(st.sampled_from([-1.0, 1.0])) for _ in range(out)]
    else:
        y = [draw(number) for _ in range(out)]
    return layers, x, y, loss


def solve_network(layers: list[dict], x, y, loss: str, **options):
    given = Given(
        layers=[
            LayerGiven(weights=item["weights"], bias=item["bias"], activation=item["activation"]) for item in layers
        ],
        x=x,
        y=y,
        loss=loss,
        **options,
    )
    return solve(given)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_gradients_match_central_differences(network):
    layers, x, y, loss = network
    assume(kinks(layers, x, y, loss) > 1e-3)
    solution = solve_network(layers, x, y, loss)
    _, out = reference_forward(layers, x)
    assert np.allclose(np.atleast_1d(solution["y_hat"].value), out, atol=1e-12)
    assert solution["loss"].value == pytest.approx(reference_loss(loss, out, y), abs=1e-12)
    for number, layer in enumerate(layers, start=1):
        expected = numeric_gradient(layers, x, y, loss, number - 1, "weights")
        assert np.allclose(solution[f"dL/dW{number}"].value, expected, atol=1e-6), f"dL/dW{number}"
        if layer["bias"] is not None:
            expected = numeric_gradient(layers, x, y, loss, number - 1, "bias")
            assert np.allclose(np.atleast_1d(solution[f"dL/db{number}"].value), expected, atol=1e-6), f"dL/db{number}"


@settings(max_examples=40, deadline=None)
@given(networks(), st.sampled_from(["sum", "mean"]))
def test_several_examples_sum_or_average_the_per_example_gradients(network, reduction):
    layers, x, y, loss = network
    second = [round(v * 0.5 - 0.25, 3) for v in x]
    assume(kinks(layers, x, y, loss) > 1e-3 and kinks(layers, second, y, loss) > 1e-3)
    solution = solve_network(layers, [x, second], [y, y], loss, reduction=reduction)
    scale = 0.5 if reduction == "mean" else 1.0
    for number in range(1, len(layers) + 1):
        expected = scale * (
            numeric_gradient(layers, x, y, loss, number - 1, "weights")
            + numeric_gradient(layers, second, y, loss, number - 1, "weights")
        )
        assert np.allclose(solution[f"dL/dW{number}"].value, expected, atol=1e-6)


# --- Seed and published figures -----------------------------------------------------------


def test_seed_004_question_1():
    solution = load_problem(PROBLEMS / "tanh_network_2_3_1_question_1.yaml").solve()
    assert list(solution["z1"].value) == [5, 3, 2]
    assert round(solution["y_hat"].value, 5) == 4.91807
    assert round(solution["loss"].value, 5) == 1.83950
    # alpha_{1,1}: row 1, column 1 of the folded-bias matrix (column 0 is the bias).
    assert round(solution.entry("dL/dW1[1,1]"), 6) == 0.000348
    assert round(solution.entry("dL/dW2[1,1]"), 4) == 1.9179
    assert solution.entry("W1[1,0]") == 0 and solution.entry("W1[1,2]") == 2


def test_seed_004_vector_forms():
    first = load_problem(PROBLEMS / "tanh_network_2_3_1_vector_x01.yaml").solve()
    assert list(first["z1"].value) == [2, 2, 0]
    assert round(first["loss"].value, 7) == 0.0058231  # the notes' 0.005822284 is an erratum
    assert np.round(first["delta1"].value, 8).tolist() == [-0.00762444, -0.01524889, -0.21583452]
    second = load_problem(PROBLEMS / "tanh_network_2_3_1_vector_x23.yaml").solve()
    assert list(second["z1"].value) == [8, 4, 4]
    assert round(second["loss"].value, 4) == 1.9946
    assert f"{second.entry('dL/dW1[1,0]'):.3e}" == "8.991e-07"  # printed 8.998e-7 (and 8.992e-7) in the notes
    assert np.round(second["dL/dW2"].value, 4).tolist() == [[1.9973, 1.9973, 1.996, 1.996]]


def test_mazur_step_by_step_example():
    solution = load_problem(PROBLEMS / "mazur_2_2_2.yaml").solve()
    assert round(solution.entry("y_hat[1]"), 8) == 0.75136507
    assert round(solution["loss"].value, 9) == 0.298371109
    assert round(solution.entry("W2_new[1,1]"), 8) == 0.35891648
    assert round(solution.entry("W1_new[1,1]"), 9) == 0.149780716


@pytest.mark.parametrize(
    "name",
    [
        "tanh_network_2_3_1_question_1.yaml",
        "tanh_network_2_3_1_vector_x01.yaml",
        "tanh_network_2_3_1_vector_x23.yaml",
        "mazur_2_2_2.yaml",
        "two_layer_sigmoid_bce_two_examples.yaml",
        "two_layer_sigmoid_bce_symbolic.yaml",
        "delta_rule_three_layers.yaml",
    ],
)
def test_problem_files_agree_with_their_sources(cli, name):
    result = cli("check", PROBLEMS / name)
    assert result.code == 0, result.out
    assert "0 unexplained discrepancies" in result.out


def test_errata_are_reported_not_failed(cli):
    result = cli("check", PROBLEMS / "tanh_network_2_3_1_vector_x01.yaml", "--json")
    import json

    report = json.loads(result.out)
    errata = {r["name"] for r in report["results"] if r["erratum"] and not r["agrees"]}
    assert {"loss", "y_hat"} <= errata and report["ok"]


def test_training_loss_falls():
    solution = load_problem(PROBLEMS / "two_layer_sigmoid_bce_two_examples.yaml").solve()
    history = solution["loss_history"].value
    assert len(history) == 21 and history[0] == pytest.approx(solution["loss"].value)
    assert all(later < earlier for earlier, later in itertools.pairwise(history))


def test_golden_sheets_of_seed_004(cli):
    path = PROBLEMS / "tanh_network_2_3_1_question_1.yaml"
    term = cli("solve", path)
    assert term.code == 0
    assert_golden("mlp_004_question_1.txt", term.out)
    assert_golden("mlp_004_question_1.md", cli("solve", path, "--format", "md").out)


def test_notation_renders_the_notes_names(cli):
    out = cli("solve", PROBLEMS / "tanh_network_2_3_1_question_1.yaml", "--format", "md").out
    assert r"\alpha" in out and r"\beta" in out
    assert "a_{1} = \\alpha" in out  # the notes' a is the pre-activation


# --- Named mistakes -----------------------------------------------------------------------

MISTAKES = [
    # (layers, x, y, loss, step, variant)
    ([("sigmoid", 2, 2), ("sigmoid", 1, 2)], "mse", "da1/dz1", "sigmoid_derivative_on_z"),
    ([("sigmoid", 2, 2), ("sigmoid", 1, 2)], "mse", "dy_hat/dz2", "sigmoid_derivative_of_activation"),
    ([("tanh", 2, 2), ("linear", 1, 2)], "mse", "da1/dz1", "tanh_derivative_unsquared"),
    ([("tanh", 2, 2), ("linear", 1, 2)], "mse", "da1/dz1", "tanh_derivative_plus"),
    ([("relu", 2, 2), ("linear", 1, 2)], "mse", "da1/dz1", "relu_gradient_not_zeroed"),
    ([("relu", 2, 2), ("linear", 1, 2)], "mse", "W1_new", "gradient_ascent"),
    ([("relu", 2, 2), ("linear", 1, 2)], "half_squared", "loss", "loss_without_half"),
    ([("relu", 2, 2), ("linear", 1, 2)], "mse", "loss", "loss_with_half"),
    ([("relu", 2, 2), ("linear", 2, 2)], "mse", "loss", "sum_instead_of_mean"),
    ([("relu", 2, 2), ("linear", 2, 2)], "sse", "loss", "mean_instead_of_sum"),
    ([("relu", 2, 2), ("linear", 1, 2)], "mse", "dL/dy_hat", "derivative_missing_factor_2"),
    ([("relu", 2, 2), ("linear", 1, 2)], "half_squared", "dL/dy_hat", "derivative_extra_factor_2"),
    ([("relu", 2, 2), ("linear", 1, 2)], "mse", "dL/dy_hat", "residual_reversed"),
    ([("relu", 2, 2), ("linear", 1, 2)], "mse", "z1", "bias_forgotten"),
    ([("relu", 2, 2), ("linear", 1, 2)], "mse", "z1", "weights_transposed"),
    ([("relu", 2, 2), ("linear", 2, 2)], "mse", "delta1", "weights_not_transposed"),
    ([("leaky_relu", 2, 2), ("linear", 1, 2)], "mse", "da1/dz1", "leaky_relu_slope_not_scaled"),
    ([("sigmoid", 2, 2), ("sigmoid", 1, 2)], "mse", "da1/dz1", "activation_derivative_dropped"),
    ([("sigmoid", 2, 2), ("sigmoid", 1, 2)], "mse", "dy_hat/dz2", "activation_derivative_dropped"),
    ([("tanh", 2, 2), ("tanh", 1, 2)], "mse", "da1/dz1", "activation_instead_of_derivative"),
    ([("sigmoid", 2, 2), ("sigmoid", 1, 2)], "mse", "dy_hat/dz2", "activation_instead_of_derivative"),
    ([("relu", 2, 2), ("linear", 2, 2)], "mse", "dL/dy_hat", "derivative_missing_mean"),
]


def mistake_network(shape: list[tuple[str, int, int]]) -> list[dict]:
    """Fixed, asymmetric numbers: every mistake shows (z1 has one negative unit, W is not symmetric)."""
    numbers = iter([0.4, -0.7, 0.3, 0.9, 0.25, -0.5, 0.8, -0.2, 0.6, 0.1, -0.3, 0.7, 0.5])
    layers = []
    for activation, units, inputs in shape:
        weights = [[next(numbers) for _ in range(inputs)] for _ in range(units)]
        layers.append({"weights": weights, "bias": [next(numbers) for _ in range(units)], "activation": activation})
    return layers


@pytest.mark.parametrize(("shape", "loss", "step", "variant"), MISTAKES, ids=[m[-1] + "@" + m[-2] for m in MISTAKES])
def test_each_named_mistake_changes_the_answer(shape, loss, step, variant):
    layers = mistake_network(shape)
    y = [1.5] * shape[-1][1]
    solution = solve_network(layers, [1.0, 2.0], y, loss, learning_rate=0.1)
    right = solution.values()
    wrong = solution.evaluate(variant=(step, variant))
    assert not np.allclose(np.asarray(wrong[step], float), np.asarray(right[step], float))
    if step != "loss":  # the loss value feeds nothing; every other mistake carries into the update
        assert not np.allclose(np.asarray(wrong["W1_new"], float), np.asarray(right["W1_new"], float))
    found = next(v for v in solution[step].variants if v.name == variant)
    assert found.feedback.endswith(".") and ". " not in found.feedback  # one sentence


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize(
    ("step", "variant", "hidden_slope", "output_slope"),
    [
        ("da1/dz1", "activation_derivative_dropped", lambda z: 1.0, lambda z: sigmoid(z) * (1 - sigmoid(z))),
        ("dy_hat/dz2", "activation_derivative_dropped", lambda z: sigmoid(z) * (1 - sigmoid(z)), lambda z: 1.0),
        ("da1/dz1", "activation_instead_of_derivative", sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))),
    ],
)
def test_a_left_out_derivative_carries_through_the_delta_rule(step, variant, hidden_slope, output_slope):
    # Backpropagation written unit by unit with plain loops, with the student's slope in place of σ'.
    layers = mistake_network([("sigmoid", 2, 2), ("sigmoid", 1, 2)])
    x, y = [1.0, 2.0], 1.5
    (w1, b1), (w2, b2) = [(np.array(layer["weights"]), layer["bias"]) for layer in layers]
    z1 = [sum(w1[j][i] * x[i] for i in range(2)) + b1[j] for j in range(2)]
    a1 = [sigmoid(z) for z in z1]
    z2 = sum(w2[0][j] * a1[j] for j in range(2)) + b2[0]
    delta2 = 2 * (sigmoid(z2) - y) * output_slope(z2)
    delta1 = [w2[0][j] * delta2 * hidden_slope(z1[j]) for j in range(2)]
    by_hand = [[delta1[j] * x[i] for i in range(2)] for j in range(2)]
    wrong = solve_network(layers, x, [y], "mse").evaluate(variant=(step, variant))
    assert np.allclose(wrong["dL/dW1"], by_hand)


def test_mistakes_are_only_offered_where_they_apply():
    solution = solve_network(mistake_network([("linear", 1, 2)]), [1.0, 2.0], [1.0], "mae")
    names = {v.name for v in solution["z1"].variants}
    assert "weights_transposed" not in names  # a 1×2 matrix has no same-shape transpose


# --- Bad input ----------------------------------------------------------------------------


def write(tmp_path, text: str):
    path = tmp_path / "network.yaml"
    path.write_text(text, encoding="utf-8")
    return path


NETWORK = """kind: mlp
given:
  x: [1, 2]
  y: {y}
  layers:
    - {{weights: [[0.1, 0.2], [0.3, 0.4]], bias: [0, 0], activation: {act}}}
    - {{weights: {w2}, bias: [0], activation: {out}}}
  loss: {loss}
"""


def network_file(tmp_path, y="1", act="tanh", w2="[[0.5, 0.6]]", out="sigmoid", loss="mse"):
    return write(tmp_path, NETWORK.format(y=y, act=act, w2=w2, out=out, loss=loss))


def one_error_line(result) -> str:
    assert result.code == 2
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnsolve: error: ")
    assert "Traceback" not in result.err and "nan" not in result.err
    return lines[0]


def test_weights_that_do_not_chain_name_the_layer_and_both_shapes(cli, tmp_path):
    path = network_file(tmp_path, w2="[[0.5, 0.6, 0.7]]")
    line = one_error_line(cli("solve", path))
    assert f"{path}:7: given.layers.1.weights" in line
    assert "layer 2: weights of shape 1×3 do not chain: layer 1 has 2 outputs, so expected 1×2" in line


def test_first_layer_shape_names_the_input(cli, tmp_path):
    path = write(tmp_path, "kind: mlp\ngiven:\n  x: [1, 2, 3]\n  layers:\n    - {weights: [[1, 2]], bias: folded}\n")
    line = one_error_line(cli("solve", path))
    assert ":5: given.layers.0.weights" in line and "the input x has 3 outputs, so expected 1×4" in line


def test_bce_of_a_saturated_output_says_log_zero(cli, tmp_path):
    # sigmoid(1000 + ...) is exactly 1.0 in floating point: log(1 − ŷ) = log 0.
    path = network_file(tmp_path, y="0", w2="[[1000, 1000]]", loss="bce", act="sigmoid")
    line = one_error_line(cli("solve", path))
    assert "log(0)" in line and "y_hat = 1" in line and f"{path}:4: given.y" in line


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (
            "act",
            "swish",
            "unknown activation 'swish'; expected one of: linear, relu, leaky_relu, sigmoid, tanh, softmax",
        ),
        ("loss", "l2", "unknown loss 'l2'; expected one of: mse, sse, half_squared, mae, bce, cross_entropy, nll,"),
    ],
)
def test_unknown_names_list_the_known_ones(cli, tmp_path, field, value, expected):
    path = network_file(tmp_path, **{field: value})
    line = one_error_line(cli("solve", path))
    assert expected in line
    assert (":6: given.layers.0.activation" if field == "act" else ":8: given.loss") in line


def test_target_of_the_wrong_length(cli, tmp_path):
    line = one_error_line(cli("solve", network_file(tmp_path, y="[1, 2]")))
    assert "the target has 2 entries but the last layer has 1 units" in line and ":4: given.y" in line


def test_softmax_only_last(cli, tmp_path):
    line = one_error_line(cli("solve", network_file(tmp_path, act="softmax")))
    assert "layer 1: softmax is only supported on the last layer" in line


def test_one_bias_number_is_shared_by_every_unit():
    shared = solve(Given(layers=[LayerGiven(weights=[[1.0], [2.0]], bias=0.5)], x=[1.0], y=[0.0, 0.0]))
    assert shared["z1"].value.tolist() == [1.5, 2.5]


def test_sigmoid_and_softmax_are_stable_at_large_z():
    layers = [{"weights": [[1000.0], [-1000.0]], "bias": None, "activation": "softmax"}]
    solution = solve_network(layers, [1.0], [1.0, 0.0], "cross_entropy")
    assert np.all(np.isfinite(solution["y_hat"].value)) and solution["y_hat"].value[0] == 1.0
    layers = [{"weights": [[1000.0], [-1000.0]], "bias": None, "activation": "sigmoid"}]
    solution = solve_network(layers, [1.0], [1.0, 0.0], "mse")
    assert solution["y_hat"].value.tolist() == [1.0, 0.0]
    assert np.all(np.isfinite(solution["dL/dW1"].value))


def test_training_repeats_the_worked_update_from_the_data_it_lists():
    solution = load_problem(PROBLEMS / "two_layer_sigmoid_bce_two_examples.yaml").solve()
    # Step 2 starts from step 1's parameters and reads the examples again.
    assert set(solution["loss_t2"].deps) == {"W1_new", "W2_new", "x_e1", "y_e1", "x_e2", "y_e2"}
    history = solution["loss_history"].value
    after_one = solution.evaluate(overrides={name: solution[f"{name}_new"].value for name in ("W1", "W2")})
    assert history[1] == pytest.approx(after_one["loss"], rel=1e-12)
    other_rate = solution.evaluate(overrides={"eta": 2 * solution["eta"].value})
    moved = {name: other_rate[f"{name}_new"] for name in ("W1", "W2")}
    assert other_rate["loss_history"][1] == pytest.approx(solution.evaluate(overrides=moved)["loss"], rel=1e-12)
    assert other_rate["loss_history"][1] != pytest.approx(history[1])
