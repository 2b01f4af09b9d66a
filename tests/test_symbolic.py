"""Symbolic mode: printing, seed 002 (a) and (b), the simplification dL/db2 = ŷ − y of seeds 000/003, and the
chain of steps checked against SymPy differentiating the whole composed loss.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import sympy
from conftest import PROBLEMS

from solver.files.problem_file import load_problem
from solver.graph.symbolic import ReLU, ReLUPrime, SympyFormula, sigma
from solver.kinds.dense.mlp import Given as NetworkGiven
from solver.kinds.dense.mlp import LayerGiven
from solver.kinds.dense.mlp import solve as solve_network
from solver.kinds.dense.neuron import Given, solve


def symbol(expr, name: str) -> sympy.Symbol:
    """The symbol called ``name`` among an expression's (or a list's) free symbols."""
    items = expr if isinstance(expr, list) else [expr]
    found = {s.name: s for item in items for s in sympy.sympify(item).free_symbols}
    return found[name]


def test_formula_prints_with_names_and_with_values():
    a, y = sympy.symbols("a y")
    formula = SympyFormula((a - y) ** 2)
    assert formula.show("text", {"a": "a", "y": "y"}) == "(a - y)^2"
    assert formula.show("text", {"a": "ReLU(b + w·x)", "y": "1"}) == "(ReLU(b + w·x) - 1)^2"
    assert formula.show("latex", {"a": r"\hat{y}", "y": "y"}) == r"\left(\hat{y} - y\right)^{2}"
    chain = SympyFormula(sympy.Symbol("dL/da") * sympy.Symbol("da/dz") * sympy.Symbol("x"))
    shown = chain.show("text", {"dL/da": "2·(a - y)", "da/dz": "ReLU'(z)", "x": "x"})
    assert "(2·(a - y))" in shown and "ReLU'(z)" in shown  # a compound factor keeps its parentheses
    latex = chain.show("latex", {"dL/da": r"2 \cdot \left(a - y\right)", "da/dz": "1", "x": "x"})
    assert r"\left(2 \cdot \left(a - y\right)\right)" in latex
    assert SympyFormula(ReLU(sympy.Symbol("z"))).show("latex", {"z": "z"}) == r"\mathrm{ReLU}\left(z\right)"


def test_products_of_groups_are_grouped_again():
    from solver.graph.symbolic import GroupedTemplate

    shown = GroupedTemplate("{b} − {eta}·{g}").show("text", {"b": "b", "eta": "0.1", "g": "(1 - a^2)·(a - y)"})
    assert shown == "b − 0.1·((1 - a^2)·(a - y))"


def test_functions_follow_the_numeric_conventions():
    assert ReLUPrime(0) == 0 and ReLUPrime(2) == 1 and ReLU(-3) == 0
    z = sympy.Symbol("z")
    assert sympy.diff(sigma(z), z) == sigma(z) * (1 - sigma(z))
    assert float(sigma(0.87)) == pytest.approx(1 / (1 + np.exp(-0.87)))


def test_seed_002_loss_and_gradients_in_symbols():
    solution = load_problem(PROBLEMS / "neuron_002_relu_mse_symbolic.yaml").solve()
    loss = solution["loss"].value
    w, x, b, y = (symbol(loss, n) for n in "wxby")
    assert sympy.simplify(loss - (ReLU(w * x + b) - y) ** 2) == 0  # (a)
    # (b): the chain of steps, put back in terms of w, b, x, equals SymPy's derivative of (a).
    a, z = sympy.symbols("a z", real=True)
    for parameter, step in ((w, "dL/dw"), (b, "dL/db")):
        chain = solution[step].value.subs(a, ReLU(z)).subs(z, w * x + b)
        assert sympy.simplify(chain - sympy.diff(loss, parameter)) == 0
    assert solution["dL/dw"].value == 2 * x * (a - y) * ReLUPrime(z)


@pytest.mark.parametrize(("act", "slope"), [("sigmoid", "a*(1 - a)"), ("tanh", "1 - a**2"), ("linear", "1")])
def test_activation_derivatives_as_the_notes_write_them(act, slope):
    solution = solve(Given(activation=act, loss="half_squared", symbolic=True))
    a = sympy.Symbol("a", real=True)
    assert sympy.simplify(solution["da/dz"].value - sympy.sympify(slope, locals={"a": a})) == 0


def test_two_layer_bce_network_simplifies_to_y_hat_minus_y():
    solution = load_problem(PROBLEMS / "two_layer_sigmoid_bce_symbolic.yaml").solve()
    y_hat, y = symbol(solution["delta2"].value, "y_hat"), symbol(solution["delta2"].value, "y")
    assert solution["delta2"].value == y_hat - y
    assert solution["dL/db2"].value == y_hat - y


def composed_loss(solution) -> tuple[sympy.Expr, dict]:
    """The BCE loss of the 2-2-1 network in the weights, biases and inputs only."""
    z1 = solution["z1"].value
    a1 = {symbol(solution["z2"].value, f"a1_{i + 1}"): sigma(z1[i]) for i in range(2)}
    y_hat = sigma(solution["z2"].value.subs(a1))
    y = solution["y"].value
    return -y * sympy.log(y_hat) - (1 - y) * sympy.log(1 - y_hat), a1


def test_every_gradient_equals_sympy_differentiating_the_whole_loss():
    solution = load_problem(PROBLEMS / "two_layer_sigmoid_bce_symbolic.yaml").solve()
    loss, a1 = composed_loss(solution)
    y_hat_symbol = symbol(solution["delta2"].value, "y_hat")
    forward = {**a1, y_hat_symbol: sigma(solution["z2"].value.subs(a1))}
    rng = random.Random(3)
    point = {s: rng.uniform(-1, 1) for s in loss.free_symbols}
    point[symbol(loss, "y")] = 1
    for layer in (1, 2):
        weights = solution[f"W{layer}"].value
        gradient = sympy.Matrix(solution[f"dL/dW{layer}"].value)
        for (i, j), w in np.ndenumerate(np.array(weights.tolist(), dtype=object)):
            chain = gradient[i, j].subs(forward).subs(point)
            direct = sympy.diff(loss, w).subs(point)
            assert float(chain) == pytest.approx(float(direct), abs=1e-12), f"dL/dW{layer}[{i + 1},{j + 1}]"


def test_symbolic_and_numeric_modes_agree():
    symbolic = load_problem(PROBLEMS / "two_layer_sigmoid_bce_symbolic.yaml").solve()
    weights1, weights2 = [[0.2, -0.3], [0.1, 0.5]], [[-0.3, 0.2]]
    numeric = solve_network(
        NetworkGiven(
            layers=[
                LayerGiven(weights=weights1, bias=[0.1, -0.2], activation="sigmoid"),
                LayerGiven(weights=weights2, bias=[0.05], activation="sigmoid"),
            ],
            x=[1.0, 0.5],
            y=1.0,
            loss="bce",
        )
    )
    loss, a1 = composed_loss(symbolic)
    numbers = {}
    for name, matrix in (("W1", weights1), ("W2", weights2)):
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                numbers[symbol(loss, f"{name}_{i + 1}{j + 1}")] = value
    numbers.update({symbol(loss, "b1_1"): 0.1, symbol(loss, "b1_2"): -0.2, symbol(loss, "b2"): 0.05})
    numbers.update({symbol(loss, "x_1"): 1.0, symbol(loss, "x_2"): 0.5, symbol(loss, "y"): 1})
    y_hat_symbol = symbol(symbolic["delta2"].value, "y_hat")
    forward = {**a1, y_hat_symbol: sigma(symbolic["z2"].value.subs(a1))}
    gradient = sympy.Matrix(symbolic["dL/dW1"].value).subs(forward).subs(numbers)
    assert np.allclose(np.array(gradient.tolist(), dtype=float), numeric["dL/dW1"].value, atol=1e-12)


def test_neuron_command_in_symbols(cli):
    result = cli("neuron", "--w", "0", "--x", "0", "--act", "relu", "--y", "0", "--symbolic")
    assert result.code == 0
    assert "loss = (a - y)^2 = (ReLU(b + w·x) - y)^2" in result.out
    assert "dL/dw = dL/da·da/dz·dz/dw = (2·(a - y))·ReLU'(z)·x = 2·x·(a - y)·ReLU'(z)" in result.out


def test_markdown_of_the_symbolic_network(cli):
    out = cli("solve", PROBLEMS / "two_layer_sigmoid_bce_symbolic.yaml", "--format", "md").out
    assert r"= \hat{y} - y" in out
    assert r"\sigma\left(z_{2}\right)" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("    - {units: 2, activation: softmax}\n", "activation 'softmax' is not available symbolically"),
        ("    - {activation: tanh}\n", "layer 1: give units (a positive number) in symbolic mode"),
    ],
)
def test_symbolic_errors_point_at_the_line(cli, tmp_path, text, message):
    path = tmp_path / "symbolic.yaml"
    path.write_text(f"kind: mlp\ngiven:\n  symbolic: true\n  layers:\n{text}", encoding="utf-8")
    result = cli("solve", path)
    assert result.code == 2
    (line,) = result.err.splitlines()
    assert line.startswith(f"nnsolve: error: {path}:5: given.layers.0") and message in line


def test_symbolic_loss_must_have_a_symbolic_form(cli, tmp_path):
    path = tmp_path / "symbolic.yaml"
    path.write_text("kind: neuron\ngiven:\n  symbolic: true\n  loss: huber\n", encoding="utf-8")
    result = cli("solve", path)
    assert result.code == 2 and f"{path}:4: given.loss: loss 'huber' is not available symbolically" in result.err


def test_a_mean_over_the_outputs_is_written_as_one_over_n_times_the_sum(cli, tmp_path):
    path = tmp_path / "mean.yaml"
    path.write_text(
        "kind: mlp\ngiven:\n  symbolic: true\n  inputs: 2\n  loss: mse\n"
        "  layers:\n    - {units: 3, activation: sigmoid}\n",
        encoding="utf-8",
    )
    assert "loss = ((y_hat_1 - y_1)^2 + (y_hat_2 - y_2)^2 + (y_hat_3 - y_3)^2)/3" in cli("solve", path).out
    loss = load_problem(path).solve()["loss"].value
    y_hat, y = [0.2, 0.9, 0.4], [0.0, 1.0, 1.0]
    numbers = {symbol(loss, f"y_hat_{i}"): p for i, p in enumerate(y_hat, 1)}
    numbers |= {symbol(loss, f"y_{i}"): t for i, t in enumerate(y, 1)}
    assert float(loss.subs(numbers)) == pytest.approx(np.mean((np.array(y_hat) - np.array(y)) ** 2))


@pytest.mark.parametrize(
    ("kind", "line", "field"),
    [
        ("neuron", "x: [[1, 2], [3, 4]]", "x"),
        ("mlp", "x: [[1, 2], [3, 4]]", "x"),
        ("neuron", "batch: true", "batch"),
        ("mlp", "upstream: [1]", "upstream"),
        ("neuron", "input_gradients: true", "input_gradients"),
        ("mlp", "steps: 3", "steps"),
        ("mlp", "frozen: [b1]", "frozen"),
    ],
)
def test_what_symbolic_mode_does_not_work_is_refused_not_dropped(cli, tmp_path, kind, line, field):
    layers = "  layers:\n    - {units: 1, activation: sigmoid}\n" if kind == "mlp" else ""
    path = tmp_path / "symbolic.yaml"
    path.write_text(f"kind: {kind}\ngiven:\n  symbolic: true\n  learning_rate: 0.1\n  {line}\n{layers}", "utf-8")
    result = cli("solve", path)
    assert result.code == 2 and result.out == ""
    (message,) = result.err.splitlines()
    assert message.startswith(f"nnsolve: error: {path}:5: given.{field}: ")
    assert "not worked in symbols" in message or "examples: N" in message


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_a_batch_in_symbols_reduces_the_examples_losses_and_gradients(reduction):
    solution = solve(
        Given(activation="sigmoid", loss="mse", symbolic=True, examples=3, reduction=reduction, learning_rate=0.1)
    )
    w_value, b_value = 0.7, -0.2
    xs, ys = [0.5, -1.0, 2.0], [1.0, 0.0, 1.0]

    def numeric_loss(w: float, b: float) -> float:
        losses = [(1 / (1 + np.exp(-(w * x + b))) - y) ** 2 for x, y in zip(xs, ys, strict=True)]
        return float(np.mean(losses) if reduction == "mean" else np.sum(losses))

    numbers = {sympy.Symbol("w", real=True): w_value, sympy.Symbol("b", real=True): b_value}
    for e, (x, y) in enumerate(zip(xs, ys, strict=True), start=1):
        numbers[sympy.Symbol(f"x_e{e}", real=True)] = x
        numbers[sympy.Symbol(f"y_e{e}", real=True)] = y
    assert float(solution["loss"].value.subs(numbers)) == pytest.approx(numeric_loss(w_value, b_value))
    # The gradients are written in the activations a_e: put in each a_e = σ(w·x_e + b), then compare with
    # central differences of the batch's loss.
    activations = {
        sympy.Symbol(f"a_e{e}", real=True): 1 / (1 + np.exp(-(w_value * x + b_value))) for e, x in enumerate(xs, 1)
    }
    h = 1e-6
    dw = (numeric_loss(w_value + h, b_value) - numeric_loss(w_value - h, b_value)) / (2 * h)
    db = (numeric_loss(w_value, b_value + h) - numeric_loss(w_value, b_value - h)) / (2 * h)
    assert float(solution["dL/dw"].value.subs(activations).subs(numbers)) == pytest.approx(dw, rel=1e-6)
    assert float(solution["dL/db"].value.subs(activations).subs(numbers)) == pytest.approx(db, rel=1e-6)
    # Reducing the other way is the named slip.
    (other,) = solution["loss"].variants
    assert other.name == ("sum_instead_of_mean" if reduction == "mean" else "mean_instead_of_sum")


def test_a_symbolic_batch_loss_is_written_one_over_n_times_the_sum(cli, tmp_path):
    path = tmp_path / "batch.yaml"
    path.write_text("kind: neuron\ngiven:\n  symbolic: true\n  activation: relu\n  examples: 2\n", "utf-8")
    out = cli("solve", path).out
    assert "loss = (loss_e1 + loss_e2)/2 = ((ReLU(b + w·x_e1) - y_e1)^2 + (ReLU(b + w·x_e2) - y_e2)^2)/2" in out


def test_examples_belong_to_symbolic_mode(cli, tmp_path):
    path = tmp_path / "numbers.yaml"
    path.write_text("kind: neuron\ngiven:\n  w: 1\n  x: 1\n  examples: 2\n", "utf-8")
    result = cli("solve", path)
    assert result.code == 2 and f"{path}:5: given.examples: examples = 2: expected" in result.err


def test_a_symbolic_batch_is_graded_with_its_reduction_slip_named(cli, tmp_path):
    (tmp_path / "homework.yaml").write_text(
        "title: s\nproblems:\n  - id: q1\n    problem:\n      kind: neuron\n"
        "      given: {symbolic: true, activation: relu, examples: 2}\n    ask: {loss_e1: 1, loss: 1}\n",
        "utf-8",
    )
    (tmp_path / "ann.yaml").write_text(
        "student: s1\nanswers:\n  q1:\n    loss_e1: '(relu(w*x_e1 + b) - y_e1)^2'\n"
        "    loss: '(relu(w*x_e1 + b) - y_e1)^2 + (relu(w*x_e2 + b) - y_e2)^2'\n",
        "utf-8",
    )
    result = cli("grade", tmp_path / "homework.yaml", tmp_path / "ann.yaml", "--json")
    items = {item["step"]: item for item in json.loads(result.out)[0]["items"]}
    assert items["loss_e1"]["status"] == "correct"
    assert (items["loss"]["status"], items["loss"]["mistake"]) == ("mistake", "sum_instead_of_mean")


def test_a_network_batch_in_symbols_agrees_with_central_differences():
    layers = [LayerGiven(units=2, activation="sigmoid"), LayerGiven(units=1, activation="sigmoid")]
    solution = solve_network(NetworkGiven(layers=layers, symbolic=True, inputs=2, examples=2, loss="bce"))
    w1, b1 = np.array([[0.3, -0.5], [0.8, 0.2]]), np.array([0.1, -0.3])
    w2, b2 = np.array([[0.6, -1.1]]), np.array([0.25])
    xs, ys = np.array([[1.0, 2.0], [-0.5, 0.4]]), np.array([1.0, 0.0])

    def forward(w1, b1, w2, b2, x):
        hidden = 1 / (1 + np.exp(-(w1 @ x + b1)))
        return hidden, float(1 / (1 + np.exp(-(w2 @ hidden + b2)))[0])

    def batch_loss(w1=w1, b1=b1, w2=w2, b2=b2):
        outputs = [forward(w1, b1, w2, b2, x)[1] for x in xs]
        return float(np.mean([-(y * np.log(p) + (1 - y) * np.log(1 - p)) for p, y in zip(outputs, ys, strict=True)]))

    values = {f"W1_{i + 1}{j + 1}": w1[i, j] for i in range(2) for j in range(2)}
    values |= {"W2_11": w2[0, 0], "W2_12": w2[0, 1], "b1_1": b1[0], "b1_2": b1[1], "b2": b2[0]}
    for e, (x, y) in enumerate(zip(xs, ys, strict=True), start=1):
        hidden, output = forward(w1, b1, w2, b2, x)
        values |= {f"x_e{e}_1": x[0], f"x_e{e}_2": x[1], f"y_e{e}": y, f"y_hat_e{e}": output}
        values |= {f"a1_e{e}_1": hidden[0], f"a1_e{e}_2": hidden[1]}
    numbers = {sympy.Symbol(name, real=True): value for name, value in values.items()}

    def at_the_point(name):
        value = solution[name].value
        return np.array((sympy.Matrix(value) if isinstance(value, list) else value).subs(numbers), dtype=float)

    h = 1e-6
    shifted = w1.copy()
    shifted[0, 1] += h
    low = w1.copy()
    low[0, 1] -= h
    assert at_the_point("dL/dW1")[0, 1] == pytest.approx((batch_loss(w1=shifted) - batch_loss(w1=low)) / (2 * h))
    db2 = (batch_loss(b2=b2 + h) - batch_loss(b2=b2 - h)) / (2 * h)
    assert float(at_the_point("dL/db2").ravel()[0]) == pytest.approx(db2, rel=1e-6)
    # The loss itself, written in the outputs ŷ_e: the mean of the examples' cross-entropies.
    assert float(solution["loss"].value.subs(numbers)) == pytest.approx(batch_loss())
