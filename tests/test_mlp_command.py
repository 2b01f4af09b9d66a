"""The `nnsolve mlp` command: layers as options, checked against plain loops and central differences,
against the problem file of the same network, and its bad input.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import PROBLEMS
from test_mlp import kinks, numeric_gradient, reference_forward, reference_loss

from solver.kinds.dense.mlp import Given, LayerGiven, solve


def rows(matrix: list[list[float]]) -> str:
    return "; ".join(" ".join(repr(v) for v in row) for row in matrix)


def answers(result) -> dict:
    assert result.code == 0, result.err
    return json.loads(result.out)["answers"]


def test_seed_004_from_the_command_line_is_the_problem_file(cli):
    typed = answers(
        cli(
            "mlp", "--x", "1 2", "--y", "3", "--loss", "half_squared", "--form", "scalar",
            "--layer", "tanh W=0 1 2; 2 1 0; 0 2 0 b=folded",
            "--layer", "linear W=0 1 2 2 b=folded",
            "--json",
        )
    )  # fmt: skip
    filed = answers(cli("solve", PROBLEMS / "tanh_network_2_3_1_question_1.yaml", "--json"))
    assert typed == filed
    assert typed["y_hat"] == pytest.approx(4.91807, abs=5e-6)  # the notes' published output
    assert typed["loss"] == pytest.approx(1.83950, abs=5e-6)


@pytest.mark.parametrize("activations", [("relu", "sigmoid", "tanh"), ("tanh", "relu", "linear")])
def test_any_width_against_plain_loops_and_central_differences(cli, activations):
    rng = np.random.default_rng(7)
    widths = [3, 5, 4, 2]
    layers = [
        {
            "weights": rng.uniform(-1, 1, size=(units, inputs)).round(3).tolist(),
            "bias": rng.uniform(-0.5, 0.5, size=units).round(3).tolist(),
            "activation": name,
        }
        for inputs, units, name in zip(widths[:-1], widths[1:], activations, strict=True)
    ]
    x, y = [0.5, -1.2, 0.8], [0.3, 0.9]
    assert kinks(layers, x, y, "mse") > 1e-3  # central differences are meaningful here
    options = [
        ("--layer", f"{layer['activation']} W={rows(layer['weights'])} b={' '.join(map(repr, layer['bias']))}")
        for layer in layers
    ]
    result = cli("mlp", "--x", "0.5 -1.2 0.8", "--y", "0.3 0.9", *(v for pair in options for v in pair), "--json")
    values = answers(result)
    zs, output = reference_forward(layers, x)
    assert values["z2"] == pytest.approx(zs[1])
    assert values["y_hat"] == pytest.approx(output)
    assert values["loss"] == pytest.approx(reference_loss("mse", output, y))
    for number in (1, 3):
        for key, step in (("weights", f"dL/dW{number}"), ("bias", f"dL/db{number}")):
            expected = numeric_gradient(layers, x, y, "mse", number - 1, key)
            assert np.asarray(values[step]) == pytest.approx(expected, abs=1e-6)


def test_weights_from_a_file_and_units_stated(cli, tmp_path):
    weights = [[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]]
    np.save(tmp_path / "w1.npy", np.array(weights))
    from_file = answers(
        cli("mlp", "--x", "1 2", "-l", f"3 sigmoid W={tmp_path / 'w1.npy'} b=0.1", "-l", "linear W=1 1 1", "--json")
    )
    typed = answers(
        cli("mlp", "--x", "1 2", "-l", f"sigmoid 3 W={rows(weights)} b=0.1", "-l", "linear W=1 1 1", "--json")
    )
    assert from_file == typed
    z1 = [0.2 * 1 - 0.4 * 2 + 0.1, 0.7 * 1 + 0.1 * 2 + 0.1, -0.3 * 1 + 0.5 * 2 + 0.1]
    assert from_file["z1"] == pytest.approx(z1)
    assert "loss" not in from_file  # no target: the forward pass only


def test_several_examples_and_training_steps_are_the_kinds(cli):
    given = Given(
        layers=[
            LayerGiven(weights=[[0.1, -0.2], [0.3, 0.4]], bias=[0.1, 0.0], activation="tanh"),
            LayerGiven(weights=[[0.2, -0.1]], bias=0.05, activation="linear"),
        ],
        x=[[1.0, 2.0], [0.5, -1.0]],
        y=[1.0, 0.0],
        learning_rate=0.2,
        steps=3,
        reduction="mean",
    )
    typed = answers(
        cli(
            "mlp", "--x", "1 2; 0.5 -1", "--y", "1; 0", "--lr", "0.2", "--steps", "3", "--reduction", "mean",
            "-l", "tanh W=0.1 -0.2; 0.3 0.4 b=0.1 0", "-l", "linear W=0.2 -0.1 b=0.05", "--json",
        )
    )  # fmt: skip
    expected = solve(given).answers
    assert typed.keys() == expected.keys()
    for name, value in expected.items():
        assert np.asarray(typed[name], dtype=float) == pytest.approx(np.asarray(value, dtype=float)), name


def test_symbolic_layers_need_only_their_units(cli):
    result = cli("mlp", "--symbolic", "-l", "2 tanh", "-l", "1 linear", "--loss", "half_squared")
    assert result.code == 0, result.err
    assert "dL/dW1" in result.out and "tanh" in result.out


def test_markdown_sheet(cli):
    result = cli("mlp", "--x", "1", "-l", "relu W=2 b=-1", "--format", "md")
    assert result.code == 0 and "z1" in result.out and "ReLU" in result.out


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (["3 tanh W=0.1 0.2; 0.3 0.4"], "--layer 1 ('3 tanh W=0.1 0.2; 0.3 0.4'): 3 units but W has 2 rows"),
        (["tanh W=0.1 0.2 0.3"], "--layer: layer 1: weights of shape 1×3 do not chain: the input x has 2 outputs"),
        (["tanh W=1 2", "linear W=1 1"], "--layer: layer 2: weights of shape 1×2 do not chain: layer 1 has 1 outputs"),
        (["tanh W=1 2; 3 4 b=0 0 0"], "layer 1: bias has 3 entries but the weights have 2 rows"),
        (["tanh W=1 2 c=3"], "unknown setting 'c'; expected W= (weights) and b= (bias)"),
        (["tanh relu W=1 2"], "expected at most a number of units and an activation before W= and b="),
        (["tanh W=1 2", "tanhh W=1"], "--layer 2: unknown activation 'tanhh'; expected one of:"),
        (["tanh W=1 zz"], "W: row 1, column 2 ('zz') is not a number"),
        (["tanh W="], "W= has no value"),
        (["tanh"], "--layer 1 ('tanh'): W= is missing"),
        (["tanh W=1 2 W=3 4"], "W= is given twice"),
        (["tanh W=1 2 b=x"], "b: 'x' is not a number"),
        (["tanh W=[[[1, 2]]]"], "W has 3 axes; expected units × inputs"),
        (["0 tanh W=1 2"], "0 units; expected 1 or more"),
        (["tanh W=missing.npy"], "no such file"),
    ],
)
def test_bad_layers_are_one_line(cli, layers, message):
    result = cli("mlp", "--x", "1 2", "--y", "1", *(v for layer in layers for v in ("--layer", layer)))
    assert result.code == 2 and result.out == ""
    assert result.err.count("\n") == 1 and result.err.startswith("nnsolve: error: ")
    assert message in result.err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--y", "1 2"], "--y: the target has 2 entries but the last layer has 1 units"),
        (["--x", "1 2; 3"], "--x: row 2 has 1 entry but row 1 has 2"),
        (["--reduction", "avg"], "--reduction 'avg'; expected one of: sum, mean"),
        (["--form", "table"], "--form 'table'; expected one of: auto, scalar, vector"),
        (["--steps", "3"], "--steps: steps = 3 needs a learning_rate"),
        (["--loss", "foo"], "--loss: unknown loss 'foo'"),
    ],
)
def test_bad_options_are_one_line(cli, options, message):
    defaults = {"--x": "1 2", "--y": "1"}
    given = dict(zip(options[::2], options[1::2], strict=True))
    args = [v for pair in {**defaults, **given}.items() for v in pair]
    result = cli("mlp", *args, "--layer", "sigmoid W=1 2")
    assert result.code == 2 and result.err.count("\n") == 1
    assert message in result.err


MAZUR = ["--layer", "sigmoid W=0.15 0.20; 0.25 0.30 b=0.35", "--layer", "sigmoid W=0.40 0.45; 0.50 0.55 b=0.60"]


def test_the_command_works_a_batch_an_upstream_gradient_and_frozen_parameters(cli):
    # Mazur's example twice in a batch, averaged: his published w1 = 0.149780716 and w5 = 0.35891648.
    batch = cli(
        "mlp", "--x", "0.05 0.10; 0.05 0.10", "--y", "0.01 0.99; 0.01 0.99", "--batch", "--loss", "half_squared",
        "--lr", "0.5", *MAZUR, "--json",
    )  # fmt: skip
    assert batch.code == 0, batch.err
    answers = json.loads(batch.out)["answers"]
    assert answers["W1_new"][0][0] == pytest.approx(0.149780716, abs=5.1e-10)
    assert answers["W2_new"][0][0] == pytest.approx(0.35891648, abs=5.1e-9)
    # CS231n's q = W·x given df/dq = 2q = [0.44, 0.52]: ∇_x f = [-0.112, 0.636].
    layer = cli(
        "mlp", "--x", "0.2 0.4", "--upstream", "0.44 0.52", "--input-gradients",
        "--layer", "linear W=0.1 0.5; -0.3 0.8 b=none", "--json",
    )  # fmt: skip
    assert json.loads(layer.out)["answers"]["dL/dx"] == pytest.approx([-0.112, 0.636])
    frozen = cli("mlp", "--x", "1 2", "--y", "1", "--lr", "0.1", "--frozen", "b1", "--layer", "sigmoid W=0.1 0.2 b=0")
    assert "W1_new" in frozen.out and "b1_new" not in frozen.out
