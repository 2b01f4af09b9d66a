"""Every bad input the batches, training, circuits, gated-recurrent, convolution and dropout kinds can meet:
one line on stderr naming the field (a problem file's line and field, or the quick command's option),
exit status 2 and nothing on stdout, both through problem files and through the quick commands.
"""

from __future__ import annotations

import pytest

ONE_LAYER = "  layers:\n    - {weights: [[0.1, 0.2]], bias: [0], activation: sigmoid}\n"
LSTM_REST = (
    "  U_f: 0.1\n  b_f: 0\n  W_i: 0.6\n  U_i: 0.2\n  b_i: 0\n  W_g: 0.7\n  U_g: 0.3\n  b_g: 0\n"
    "  W_o: 0.8\n  U_o: 0.4\n  b_o: 0\n  W_y: 4\n  b_y: 0\n  y: 4\n"
)

#: (kind, the given data, the field named, what the line says): the field's line is given's line 3 onwards.
FILES = [
    ("mlp", "  x: [[1, 2], [3]]\n  y: [1, 0]\n  batch: true\n" + ONE_LAYER, "x", "example 2 has 1 inputs"),
    ("neuron", "  x: [[1, 2], [3]]\n  w: [0.1, 0.2]\n  y: [1, 0]\n", "x", "example 2 has 1 inputs"),
    ("mlp", "  x: [[1, 2], [3, 4]]\n  y: [1, 0]\n  reduction: median\n" + ONE_LAYER, "reduction", "median"),
    ("loss", "  y: [1, 0]\n  y_hat: [0.5, 0.5]\n  reduction: median\n", "reduction", "unknown reduction 'median'"),
    ("softmax", "  scores: [2, 1]\n  target: 0\n  reduction: median\n", "reduction", "unknown reduction"),
    (
        "mlp",
        "  x: [1, 2]\n  y: 1\n  optimizer: {name: adam, lr: 0.1, betas: [1.0, 0.999]}\n" + ONE_LAYER,
        "optimizer.betas.0",
        "β1 of the first moment = 1.0; expected a number in [0, 1)",
    ),
    (
        "mlp",
        "  x: [1, 2]\n  y: 1\n  optimizer: {name: rmsprop, lr: 0.1, alpha: 1}\n" + ONE_LAYER,
        "optimizer.alpha",
        "expected a number in [0, 1)",
    ),
    (
        "mlp",
        "  x: [1, 2]\n  y: 1\n  optimizer: {name: momentum, lr: 0.1, momentum: 1.5}\n" + ONE_LAYER,
        "optimizer.momentum",
        "momentum μ = 1.5",
    ),
    # settings of the backward pass on a forward-only problem are refused, not dropped without a word
    ("mlp", "  x: [1, 2]\n  input_gradients: true\n" + ONE_LAYER, "input_gradients", "no target y"),
    ("mlp", "  x: [1, 2]\n  steps: 3\n" + ONE_LAYER, "steps", "steps is given but there is no target y"),
    ("mlp", "  x: [1, 2]\n  frozen: [b1]\n" + ONE_LAYER, "frozen", "no target y"),
    ("neuron", "  x: [1, 2]\n  w: [0.1, 0.2]\n  input_gradients: true\n", "input_gradients", "no target y"),
    ("neuron", "  x: 1\n  w: 0.5\n  y: 1\n  learning_rate: -0.1\n", "learning_rate", "expected η > 0"),
    ("neuron", "  x: 1\n  w: 0.5\n  y: 1\n  optimizer: {name: adam, lr: -0.01}\n", "optimizer.lr", "η = -0.01"),
    ("graph", '  expression: "f = (x + q) * z"\n  inputs: {x: 1, z: 3}\n', "expression", "unknown name 'q'"),
    ("graph", '  expression: "f = x / (y - 2)"\n  inputs: {x: 1, y: 2}\n', "inputs", "divides by zero at x = 1, y = 2"),
    ("lstm", "  x: [1, 2]\n  W_f: [[0.5, 0.1]]\n" + LSTM_REST, "W_f", "W_f is 1×2, which does not fit"),
    (
        "conv-transpose",
        "  image: [[0, 1], [2, 3]]\n  kernel: [[0, 1], [2, 3]]\n  stride: 2\n  output_padding: 2\n",
        "output_padding",
        "output padding 2 is not smaller than the stride (2) or the dilation (1)",
    ),
    (
        "conv-size",
        "  input: 4x4\n  kernel: 3\n  stride: 2\n  transposed: true\n  output_padding: 2\n",
        "output_padding",
        "output padding 2 is not smaller",
    ),
    (
        "conv",
        "  image: [[[1, 2], [3, 4]], [[1, 2], [3, 4]], [[1, 2], [3, 4]]]\n  kernel: [[1, 0], [0, 1]]\n  groups: 2\n",
        "groups",
        "groups 2 do not divide the 3 channels",
    ),
    (
        "conv-stack",
        "  input: 8x8x6\n  layers:\n    - conv k=3 n=8\n    - conv k=3 n=8 g=3\n",
        "layers.1",
        "groups 3 do not divide the 8 input channels",
    ),
    ("batchnorm", "  x: [[1, 2], [1, 3]]\n  eps: 0\n", "eps", "feature 1 has variance 0"),
    ("layernorm", "  x: [[1, 1], [3, 4]]\n  eps: 0\n", "eps", "example 1 has variance 0"),
    ("dropout", "  x: [1.0, -2.0, 3.0]\n  mask: [1, 0]\n  p: 0.5\n", "mask", "mask has shape 2; expected 3"),
    ("dropout", "  x: [1.0, -2.0, 3.0]\n  mask: [1, 0, 0.5]\n  p: 0.5\n", "mask", "expected only 0 (dropped) and 1"),
]


def one_line(result) -> str:
    assert result.code == 2 and result.out == "", (result.code, result.out, result.err)
    (line,) = result.err.splitlines()
    assert "Traceback" not in line
    return line


@pytest.mark.parametrize(("kind", "given", "field", "says"), FILES, ids=[f"{k}-{f}" for k, _, f, _ in FILES])
def test_a_bad_problem_file_is_one_line_naming_the_field(cli, tmp_path, kind, given, field, says):
    path = tmp_path / "bad.yaml"
    path.write_text(f"kind: {kind}\ngiven:\n{given}", encoding="utf-8")
    lines = given.splitlines()
    top = field.split(".")[0]
    line_number = next(i for i, text in enumerate(lines, start=3) if text.strip().startswith(f"{top}:"))
    if field.startswith("layers."):  # a layer's own line, in the list under layers:
        line_number += 1 + int(field.split(".")[1])
    line = one_line(cli("solve", path))
    assert line.startswith(f"nnsolve: error: {path}:{line_number}: given.{field}: "), line
    assert says in line


#: (the command line, the option named, what the line says)
COMMANDS = [
    (["neuron", "--w", "0.2,0.3", "--x", "1 2; 3 4 5", "--y", "1,0"], "--x", "row 2 has 3 entries but row 1 has 2"),
    (["mlp", "--x", "1 2; 3", "--y", "1; 0", "--layer", "linear W=1 1 b=0"], "--x", "row 2 has 1 entry"),
    (["neuron", "--w", "1,1", "--x", "1 2; 3 4", "--y", "1,0", "--reduction", "median"], "--reduction", "median"),
    (["mlp", "--x", "1 2", "--y", "1", "--reduction", "median", "--layer", "linear W=1 1 b=0"], "--reduction", ""),
    (["loss", "--y", "1", "--y-hat", "0.5", "--reduction", "median"], "--reduction", "unknown reduction"),
    (["softmax", "2 1", "--target", "0", "--reduction", "median"], "--reduction", "unknown reduction"),
    (["neuron", "--w", "0.5", "--x", "1", "--y", "1", "--optimizer", "adam eps"], "--optimizer", "'eps' needs a value"),
    (
        ["mlp", "--x", "1 2", "--y", "1", "--layer", "linear W=1 1 b=0", "--optimizer", "adam lr=0.1 betas=1,0.999"],
        "--optimizer",
        "β1 of the first moment = 1.0",
    ),
    (["neuron", "--w", "1", "--x", "1", "--y", "2", "--optimizer", "rmsprop lr=-0.01"], "--optimizer", "η = -0.01"),
    (["neuron", "--w", "1", "--x", "1", "--y", "2", "--optimizer", "adam lr=0.1 beta=0.9"], "--optimizer", "beta"),
    (["neuron", "--w", "1", "--x", "1", "--y", "1", "--lr", "-0.1"], "--lr", "expected η > 0"),
    (["neuron", "--w", "1", "--x", "1", "--y", "1", "--examples", "2"], "--examples", "expected symbolic: true"),
    (["neuron", "--symbolic", "--examples", "0"], "--examples", "examples = 0: expected 1 or more"),
    (
        ["mlp", "--x", "1 2", "--layer", "linear W=1 1 b=nan"],
        "--layer 1 ('linear W=1 1 b=nan') b",
        "'nan' is not a finite",
    ),
    (["loss", "--y", "1", "--y-hat", "inf"], "--y-hat", "'inf' is not a finite number"),
    (["perceptron", "--x", "0 0; 1 1", "--y", "0 1", "--w", "nan 1"], "--w", "'nan' is not a finite number"),
    (["neuron", "--w", "1,1", "--x", "1 2; 3 4", "--input-gradients"], "--input-gradients", "no target y"),
    (["mlp", "--x", "1 2", "--layer", "linear W=1 1 b=0", "--input-gradients"], "--input-gradients", "no target y"),
    (["mlp", "--x", "1 2", "--layer", "linear W=1 1 b=0", "--steps", "3"], "--steps", "no target y"),
    (["graph", "f = (x + q) * z", "x=1", "z=3"], "EXPRESSION", "unknown name 'q'"),
    (["graph", "f = x / (y - 2)", "x=1", "y=2"], "INPUTS", "divides by zero"),
    (
        ["lstm", "--x", "1;2", "--weight-ih", "0.5;0.6;0.7", "--weight-hh", "0.1;0.2;0.3;0.4", "--wy", "4", "--y", "4"],
        "--weight-ih",
        "weight_ih is 3×1, which does not fit 4 gates",
    ),
    (
        ["conv-transpose", "1 2; 3 4", "1 1; 1 1", "--stride", "2", "--output-padding", "2"],
        "--output-padding",
        "not smaller than the stride",
    ),
    (["conv-size", "4", "--transposed", "-k", "3", "-s", "2", "--output-padding", "2"], "--output-padding", ""),
    (
        ["conv", "[[[1,2],[3,4]],[[1,2],[3,4]],[[1,2],[3,4]]]", "1 0; 0 1", "--groups", "2"],
        "--groups",
        "do not divide the 3 channels",
    ),
    (["batchnorm", "1 2; 1 3", "--eps", "0"], "--eps", "feature 1 has variance 0"),
    (["dropout", "1 2 3", "--mask", "1 0", "--p", "0.5"], "--mask", "mask has shape 2; expected 3"),
    (["dropout", "1 2 3", "--mask", "1 0 2", "--p", "0.5"], "--mask", "expected only 0 (dropped) and 1 (kept)"),
]


@pytest.mark.parametrize(("args", "option", "says"), COMMANDS, ids=[f"{a[0]} {o}" for a, o, _ in COMMANDS])
def test_a_bad_quick_command_is_one_line_naming_the_option(cli, args, option, says):
    line = one_line(cli(*args))
    assert line.startswith(f"nnsolve: error: {option}"), line
    assert says in line
