"""The size commands end to end: seed answers, published parameter counts, errors, golden output."""

from __future__ import annotations

import json

import pytest
from conftest import PROBLEMS, assert_golden

LENET = ["32x32x1", "conv k=5 n=6", "relu", "maxpool k=2", "conv k=5 n=16", "relu", "maxpool k=2",
         "flatten", "dense n=120", "relu", "dense n=84", "relu", "dense n=10"]  # fmt: skip
ALEXNET = ["224x224x3", "conv k=11 n=64 s=4 p=2", "relu", "maxpool k=3 s=2", "conv k=5 n=192 p=2", "relu",
           "maxpool k=3 s=2", "conv k=3 n=384 p=1", "relu", "conv k=3 n=256 p=1", "relu",
           "conv k=3 n=256 p=1", "relu", "maxpool k=3 s=2", "adaptiveavgpool o=6", "flatten", "dropout",
           "dense n=4096", "relu", "dropout", "dense n=4096", "relu", "dense n=1000"]  # fmt: skip
VGG16 = (
    ["224x224x3"]
    + [
        layer
        for width, repeat in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))
        for layer in [f"conv k=3 n={width} p=1"] * repeat + ["maxpool k=2"]
    ]
    + ["flatten", "dense n=4096", "relu", "dropout", "dense n=4096", "relu", "dropout", "dense n=1000"]
)


def run_json(cli, *args):
    result = cli(*args, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["12x12", "-k", "3", "-s", "1"], [10, 10]),  # seed 003, CNN Numerical - 1
        (["9x6", "-k", "5", "-p", "4", "-s", "3"], [5, 4]),  # seed 004, 4.2 (b)
        (["4x4", "-k", "2", "-p", "valid"], [3, 3]),  # seed 000, 3.1
        (["39x39x3", "-k", "3", "-n", "10"], [37, 37, 10]),  # seed 003, CNN Numerical - 2, layer 1
        (["224", "-k", "11", "-s", "4", "-p", "2", "-n", "64"], [55, 55, 64]),  # AlexNet conv1
        (["7x7", "-k", "3x5", "-d", "2x1"], [3, 3]),  # dilated 3 -> 5 rows, 5 columns
        (["10", "-k", "4", "-p", "same"], [10, 10]),  # even kernel: 1 before, 2 after
    ],
)
def test_conv_size(cli, args, expected):
    assert run_json(cli, "conv-size", *args)["answers"]["output"] == expected


def test_conv_size_steps_show_the_leftover(cli):
    steps = {s["name"]: s for s in run_json(cli, "conv-size", "10", "-k", "3", "-s", "2")["steps"]}
    assert steps["moves"]["value"] == 3.5
    assert "1 row left over" in steps["floor"]["note"]
    assert steps["out"]["value"] == 4


def test_pool_size(cli):
    assert run_json(cli, "pool-size", "37x37x10", "-w", "2")["answers"]["output"] == [18, 18, 10]
    assert run_json(cli, "pool-size", "37x37x10", "-w", "2", "--ceil")["answers"]["output"] == [19, 19, 10]
    assert run_json(cli, "pool-size", "13", "-w", "3", "-s", "2")["answers"]["output"] == [6, 6]


@pytest.mark.parametrize(
    ("layers", "total", "output"),
    [(LENET, 61_706, [10]), (ALEXNET, 61_100_840, [1000]), (VGG16, 138_357_544, [1000])],
    ids=["lenet5", "alexnet", "vgg16"],
)
def test_published_parameter_counts(cli, layers, total, output):
    data = run_json(cli, "conv-stack", *layers)
    assert data["answers"]["total_params"] == total
    assert data["answers"]["output"] == output
    assert sum(layer["params"] for layer in data["layers"]) == total


def test_conv_stack_seed_003(cli):
    data = run_json(cli, "conv-stack", "39x39x3", "conv k=3 n=10", "conv k=5 n=20 s=2", "conv k=5 n=40 s=2", "flatten")
    assert [layer["output"] for layer in data["layers"]] == [[37, 37, 10], [17, 17, 20], [7, 7, 40], [1960]]


def test_conv_stack_accepts_unquoted_layers(cli):
    data = run_json(cli, "conv-stack", "39x39x3", "conv", "k=3", "n=10", "maxpool", "k=2")
    assert data["answers"]["output"] == [18, 18, 10]


@pytest.mark.parametrize("problem", sorted(PROBLEMS.glob("conv_s*.yaml")), ids=lambda p: p.stem)
def test_seed_problem_files_agree_with_their_source(cli, problem):
    result = cli("check", problem)
    assert result.code == 0, result.out + result.err
    assert "unexplained" in result.out and " 0 unexplained" in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["conv-size", "5", "-k", "7"], "kernel (7) is larger than the padded input height (5 + padding 0 = 5)"),
        (["conv-size", "12", "-k", "3", "-s", "0"], "stride must be a positive whole number"),
        (["conv-size", "12", "-k", "3", "-s", "-2"], "stride must be a positive whole number"),
        (["conv-size", "12.5", "-k", "3"], "input: '12.5' is not a whole number"),
        (["conv-size", "twelve", "-k", "3"], "input: 'twelve' is not a whole number"),
        (["conv-size", "12", "-k", "3", "-s", "2", "-p", "same"], "padding 'same' needs stride 1"),
        (["conv-size", "12", "-k", "3", "-p", "lots"], "or 'same' / 'valid'"),
        (["conv-size", "12x12x3x2", "-k", "3"], "expected 1 to 3 numbers"),
        (["pool-size", "3", "-w", "4"], "window (4) is larger than the padded input"),
        (["pool-size", "8", "-w", "2", "-p", "2"], "more than half the window"),
        (["conv-stack", "32x32x3", "conv k=5 n=6 c=1"], "channel mismatch: the layer expects c=1"),
        (["conv-stack", "28x28x1", "flatten", "dense n=10 in=100"], "size mismatch: the layer expects in=100"),
        (["conv-stack", "32x32x3", "conv k=5 n=6", "pooling k=2"], "unknown layer 'pooling'"),
        (["conv-stack", "32x32x3", "conv k=5"], "conv needs n="),
        (["conv-stack", "32x32x3", "conv k=5 n=6 q=1"], "conv has no setting 'q'"),
        (["conv-stack", "32x32x3", "flatten", "conv k=3 n=1"], "needs an HxWxC input"),
        (["conv-stack", "32x32x3", "dense n=10"], "dense needs a flat input"),
        (["conv-size", "12"], "Missing option '--kernel'"),
    ],
)
def test_bad_input_is_one_clear_line(cli, args, message):
    result = cli(*args)
    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnsolve: error: "), result.err
    assert message in lines[0]


def test_traceback_only_on_request(cli):
    with pytest.raises(Exception, match="larger than the padded input"):
        cli("conv-size", "5", "-k", "7", "--traceback")


@pytest.mark.parametrize("problem", ["conv_size_004_4_2b", "conv_stack_003_cnn2"])
@pytest.mark.parametrize("fmt", ["term", "md"])
def test_golden_output(cli, problem, fmt):
    result = cli("solve", PROBLEMS / f"{problem}.yaml", "--format", fmt)
    assert result.code == 0, result.err
    assert_golden(f"{problem}.{'txt' if fmt == 'term' else 'md'}", result.out)
