"""Data that makes no sense is refused with one line in nnsolve's words, exit status 2."""

from __future__ import annotations

import textwrap

import pytest

#: Any warning a library prints would reach the user: in these tests it is an error.
pytestmark = pytest.mark.filterwarnings("error")


def refused(result, *reasons: str) -> None:
    """One line, exit 2, nnsolve's prefix, no traceback, and every reason in it."""
    assert result.code == 2, result
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("nnsolve: error: ")
    assert lines[0].count("nnsolve:") == 1
    for reason in reasons:
        assert reason in lines[0]


def write(tmp_path, text: str, name: str = "problem.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


# --- non-finite data and overflow -------------------------------------------------------------


def test_conv_overflow_names_the_step(cli):
    huge = "1e308 1e308; 1e308 1e308"
    refused(cli("conv", huge, huge), "step feature_map", "not a finite number")


def test_neuron_overflow_names_the_step(cli):
    refused(cli("neuron", "--w", "1e308,1e308", "--x", "1e308,1e308"), "step z", "not a finite number")


@pytest.mark.parametrize("value", ["1e999", "inf", "nan"])
def test_non_finite_option_is_refused(cli, value):
    refused(cli("neuron", "--w", value, "--x", "1"), "--w", "not a finite number")


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "1e999"])
def test_non_finite_file_data_is_refused_at_its_line(cli, tmp_path, value):
    path = write(tmp_path, f"kind: neuron\ngiven:\n  w: 0.5\n  x: 2\n  b: {value}\n")
    refused(cli("solve", path), f"{path}:5: given.b", "finite number")


def test_intermediate_overflow_that_ends_finite_is_fine(cli):
    # sigmoid(-1000) computed as 1/(1 + e^1000) is 0, correctly: only a non-finite result is an error.
    result = cli("neuron", "--w", "-1000", "--x", "1", "--act", "sigmoid", "--json")
    assert result.code == 0, result.err
    assert result.err == ""


def test_student_values_that_overflow_carry_nothing_forward():
    from solver.kinds.dense import neuron

    solution = neuron.solve(neuron.Given(w=2.0, x=3.0, y=1.0))
    from solver.graph.errors import InputError

    with pytest.raises(InputError, match="step z"):
        solution.evaluate({"w": 1e308, "x": 1e308})


# --- one-row maps -------------------------------------------------------------------------------


def test_one_row_image_can_be_padded(cli):
    result = cli("conv", "1 2 -1 1 -3", "1 0 -1", "-p", "0x1", "--json")
    assert result.code == 0, result.err
    import json

    answers = json.loads(result.out)
    feature_map = next(s["value"] for s in answers["steps"] if s["name"] == "feature_map")
    # Plain loop: zero-pad the row by one on each side and slide [1, 0, -1] along it.
    row = [0, 1, 2, -1, 1, -3, 0]
    expected = [row[i] * 1 + row[i + 1] * 0 + row[i + 2] * -1 for i in range(5)]
    assert feature_map == [expected]


def test_one_row_map_is_titled_as_a_map(cli):
    result = cli("pool", "1 2 3 4", "-w", "1x2")
    assert result.code == 0, result.err
    assert "of a 1×4 map" in result.out.splitlines()[0]


# --- parameters out of range --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "reasons"),
    [
        (["loss", "--y", "1", "--y-hat", "0.5", "--losses", "huber", "--delta", "-1"], ["--delta", "δ > 0"]),
        (["loss", "--y", "1", "--y-hat", "0.5", "--losses", "huber", "--delta", "0"], ["--delta", "δ > 0"]),
        (["loss", "--y", "2", "--y-hat", "0.5", "--losses", "bce"], ["--y", "between 0 and 1"]),
        (["loss", "--y", "0.5,0.9", "--y-hat", "0.5,0.5", "--losses", "cross_entropy"], ["--y", "sums to 1.4"]),
        (["loss", "--y", "0,0,0", "--y-hat", "0.2,0.7,0.1", "--losses", "nll"], ["--y", "distribution"]),
        (["loss", "--y", "-1,2", "--y-hat", "0.5,0.5", "--losses", "cross_entropy"], ["--y", "between 0 and 1"]),
        (["neuron", "--w", "1", "--x", "1", "--lr", "0.1"], ["--lr", "no target y"]),
        (["neuron", "--w", "1", "--x", "1", "--loss", "mae"], ["--loss", "no target y"]),
        (["neuron", "--w", "1", "--x", "1", "--y", "1", "--lr", "-0.1"], ["--lr", "η > 0"]),
        (["neuron", "--w", "1", "--x", "1", "--y", "3", "--loss", "bce", "--act", "sigmoid"], ["--y", "bce"]),
        (
            ["rnn", "--x", "1; 0", "--wx", "1", "--wh", "0.5", "--wy", "1", "--y", "1", "--out", "softmax"],
            ["--out", "single output is always 1"],
        ),
        (["rnn", "--x", "1; 0", "--wx", "1", "--wh", "0.5", "--wy", "1", "--y", "1", "--lr", "0"], ["--lr", "η > 0"]),
    ],
)
def test_parameter_out_of_range_is_refused(cli, args, reasons):
    refused(cli(*args), *reasons)


def test_a_one_hot_target_still_works(cli):
    result = cli("loss", "--y", "0,1,0", "--y-hat", "0.2,0.7,0.1", "--json")
    assert result.code == 0, result.err


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("layers: [{weights: [[1, 2]], activation: softmax}]\n  x: [1, 1]\n  y: 1", "given.layers.0.activation"),
        ("layers: [{weights: [[1, 2]]}]\n  x: [1, 1]\n  learning_rate: 0.1", "given.learning_rate"),
        ("layers: [{weights: [[1, 2]]}]\n  x: [1, 1]\n  y: 1\n  learning_rate: 0.1\n  steps: 0", "given.steps"),
    ],
)
def test_mlp_parameters_are_checked_at_their_line(cli, tmp_path, given, reason):
    path = write(tmp_path, f"kind: mlp\ngiven:\n  {given}\n")
    refused(cli("solve", path), str(path), reason)


# --- homework and problem files -----------------------------------------------------------------

INLINE = "problem: {kind: pool-size, given: {input: 12x12x16, window: 2}}"


@pytest.mark.parametrize(
    ("text", "reasons"),
    [
        (f"title: t\nproblems:\n  - id: q1\n    {INLINE}\n    ask: {{output: -1}}\n", [":5: problems.0.ask.output"]),
        (
            f"title: t\ngrading: {{rtol: -1}}\nproblems:\n  - id: q1\n    {INLINE}\n    ask: {{output: 1}}\n",
            [":2: grading.rtol", "got -1; expected a number ≥ 0"],
        ),
        (
            f"title: t\nproblems:\n  - id: q1\n    {INLINE}\n"
            "    grading: {mistake_credit: 2}\n    ask: {output: 1}\n",
            [":5: problems.0.grading.mistake_credit", "≤ 1"],
        ),
        ("title: t\nproblems: []\n", [":2: problems", "at least 1 entry"]),
        (f"title: t\nproblems:\n  - id: q1\n    {INLINE}\n    ask: {{}}\n", [":5: problems.0.ask", "at least 1"]),
        (
            f"title: t\nproblems:\n  - id: q1\n    {INLINE}\n    ask: {{output: 1, bogus: 2}}\n",
            [":5: problems.0.ask.bogus", "'bogus'", "expected one of: padded, moves, floor, out, output"],
        ),
    ],
)
def test_homework_mistakes_name_file_line_and_field(cli, tmp_path, text, reasons):
    path = write(tmp_path, text, "homework.yaml")
    refused(cli("check", path), str(path), *reasons)


def test_problem_file_asking_for_an_unknown_step_is_refused(cli, tmp_path):
    path = write(tmp_path, "kind: pool-size\ngiven: {input: 12x12x16, window: 2}\nask: [output, bogus]\n")
    for command in ("check", "solve"):
        refused(cli(command, path), f"{path}:3: ask.1", "'bogus'", "expected one of:")


def test_library_wording_is_translated(cli, tmp_path):
    path = write(tmp_path, "kind: conv-stack\ngiven: [1, 2]\n")
    result = cli("solve", path)
    refused(result, f"{path}:2: given", "expected a mapping")
    assert "Input should be" not in result.err and "dictionary" not in result.err


# --- bounded problems ---------------------------------------------------------------------------


def yaml_problem(tmp_path, data: dict) -> str:
    import yaml

    path = tmp_path / "problem.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def test_conv_stack_of_too_many_layers_is_refused_before_any_work(cli, tmp_path):
    from solver.math.limits import MAX_LAYERS

    layers = ["conv k=3 n=3 p=1"] * (MAX_LAYERS + 1)
    path = yaml_problem(tmp_path, {"kind": "conv-stack", "given": {"input": "8x8x3", "layers": layers}})
    refused(
        cli("solve", path), f"{path}:3: given.layers", f"{MAX_LAYERS + 1:,} is over nnsolve's limit of {MAX_LAYERS:,}"
    )


def test_vgg16_sized_stack_still_runs(cli, tmp_path):
    blocks = [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]
    layers = [layer for convs, n in blocks for layer in [f"conv k=3 n={n} p=1"] * convs + ["maxpool k=2"]]
    layers += ["flatten", "dense n=4096", "dense n=4096", "dense n=1000"]
    path = yaml_problem(tmp_path, {"kind": "conv-stack", "given": {"input": "224x224x3", "layers": layers}})
    result = cli("solve", path, "--json")
    assert result.code == 0, result.err
    import json

    total = next(s["value"] for s in json.loads(result.out)["steps"] if s["name"] == "total_params")
    assert total == 138_357_544  # VGG-16's published parameter count


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["conv-size", "200000", "-k", "3"], "over nnsolve's limit of 100,000"),
        (["conv", "1 2; 3 4", "1", "-p", "20000"], "cells of the padded image"),
    ],
)
def test_sizes_and_work_are_bounded(cli, args, reason):
    refused(cli(*args), reason)


def test_convolution_work_is_bounded(cli, tmp_path):
    import numpy as np

    from solver.math.limits import MAX_WINDOW_WORK

    # Within the bound on a matrix's entries (1000² ≤ 2048²), but 986² positions × 225 kernel cells ≈ 2.2e8.
    side, k = 1000, 15
    assert (side - k + 1) ** 2 * k * k > MAX_WINDOW_WORK
    image = tmp_path / "image.npy"
    np.save(image, np.zeros((side, side), dtype=np.float32))
    kernel = "; ".join([" ".join(["1"] * k)] * k)
    refused(cli("conv", image, kernel), "multiply-adds of the convolution", f"{(side - k + 1) ** 2 * k * k:,}")


def test_pooling_work_is_bounded(cli, tmp_path):
    import numpy as np

    image = tmp_path / "map.npy"
    np.save(image, np.zeros((2048, 2048), dtype=np.float32))
    refused(cli("pool", image, "-w", "1024", "-s", "1"), "comparisons of the pooling", f"{1025**2 * 1024**2:,}")


def test_rnn_length_and_work_are_bounded(cli):
    from solver.graph.errors import InputError
    from solver.kinds.recurrent import rnn
    from solver.math.limits import MAX_TIME_STEPS

    with pytest.raises(InputError, match=f"time steps: {MAX_TIME_STEPS + 1:,} is over"):
        rnn.solve(rnn.Given(W_x=1.0, W_h=0.5, W_y=1.0, y=1.0, x=[0.5] * (MAX_TIME_STEPS + 1)))
    hidden = [[0.0] * 100 for _ in range(100)]
    with pytest.raises(InputError, match="the work of BPTT"):
        rnn.solve(rnn.Given(W_x=[[0.1] * 100], W_h=hidden, W_y=[0.1] * 100, y=1.0, x=[0.5] * 200))
    solution = rnn.solve(rnn.Given(W_x=1.0, W_h=0.5, W_y=1.0, y=1.0, x=[0.5] * 200))
    assert "h200" in solution


def test_mlp_training_steps_are_bounded():
    from solver.graph.errors import InputError
    from solver.kinds.dense import mlp
    from solver.math.limits import MAX_TRAINING_STEPS

    layers = [mlp.LayerGiven(weights=[[0.5, 0.5]])]
    given = mlp.Given(layers=layers, x=[1, 2], y=1.0, learning_rate=0.1, steps=MAX_TRAINING_STEPS + 1)
    with pytest.raises(InputError, match="gradient-descent steps") as caught:
        mlp.solve(given)
    assert caught.value.field == "steps"


# --- wording ------------------------------------------------------------------------------------


def test_answers_file_given_to_solve_says_what_it_is(cli, tmp_path):
    path = write(tmp_path, "student: s1\nanswers:\n  q1: {output: 3}\n", "answers.yaml")
    refused(cli("solve", path), "answers file, not a problem file", "nnsolve grade")


def test_counts_agree_with_their_nouns(cli):
    refused(cli("conv", "1 2; 3 4", "1", "-b", "1", "-b", "2", "-b", "3"), "3 values for 1 kernel;")


def test_matrix_answer_error_has_one_prefix():
    from grader.parse import AnswerError, parse_array

    with pytest.raises(AnswerError) as caught:
        parse_array("1 2; 3 x")
    assert str(caught.value).startswith("matrix text: row 2, column 2")


@pytest.mark.parametrize("losses", ["mse,mse", "mse,MSE", "huber,mae,huber"])
def test_a_loss_named_twice_is_refused(cli, losses):
    twice = losses.split(",")[0].lower()
    refused(cli("loss", "--y", "1", "--y-hat", "0.5", "--losses", losses), f"{twice} is named twice", "once")


def test_a_loss_named_twice_in_a_problem_file_is_refused_at_its_line(cli, tmp_path):
    path = write(tmp_path, "kind: loss\ngiven:\n  y: [1]\n  y_hat: [0.5]\n  losses: [mse, mse]\n")
    refused(cli("solve", path), f"{path}:5: given.losses", "mse is named twice")


def test_several_errors_in_a_file_are_one_line(cli, tmp_path):
    path = write(tmp_path, "kind: conv-size\ngiven:\n  a: 1\n")
    reasons = (f"{path}:2: given.input: missing field", "given.kernel: missing field", "given.a: unknown field")
    refused(cli("check", path), *reasons)


def test_thousands_of_errors_in_a_file_are_the_first_three_and_a_count(cli, tmp_path):
    path = write(tmp_path, "kind: conv-size\nask: [" + ", ".join(["1"] * 5000) + "]\ngiven: {input: 5, kernel: 3}\n")
    refused(cli("check", path), "ask.0: got 1; expected text", "ask.2:", "; and 4997 more")
    assert "ask.3:" not in cli("check", path).err


def test_filters_are_bounded_like_every_other_setting(cli):
    refused(cli("conv-size", "12", "-k", "3", "-n", "9" * 23), "filters", "over nnsolve's limit of 100,000")
    assert cli("conv-size", "12", "-k", "3", "-n", "100000").code == 0
