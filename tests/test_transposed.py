"""Transposed convolution: sizes and maps against scatter loops and conv's adjoint, published examples, bad input."""

from __future__ import annotations

import json

import pytest
from conftest import PROBLEMS
from hypothesis import given
from hypothesis import strategies as st

from solver.kinds.sizes import conv_size

# --- an independent reference: where every tap of every input cell lands ----------------------


def scattered_length(size: int, kernel: int, stride: int, padding: int, dilation: int, output_padding: int) -> int:
    """One past the last cell any kernel tap reaches, less the cropped padding, plus the output padding."""
    reached = max(i * stride + k * dilation for i in range(size) for k in range(kernel))
    return reached + 1 - 2 * padding + output_padding


settings_per_axis = st.tuples(
    st.integers(1, 12), st.integers(1, 5), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3), st.integers(0, 3)
)


@given(height=settings_per_axis, width=settings_per_axis)
def test_size_matches_the_scatter(height, width):
    axes = []
    for size, kernel, stride, padding, dilation, extra in (height, width):
        extra = extra % max(stride, dilation)  # output padding below the stride or dilation
        axes.append((size, kernel, stride, padding, dilation, extra))
    expected = tuple(scattered_length(*axis) for axis in axes)
    if min(expected) < 1:
        return
    setting = {
        name: "x".join(str(axis[i]) for axis in axes)
        for i, name in enumerate(("input", "kernel", "stride", "padding", "dilation", "output_padding"))
    }
    solution = conv_size.solve(conv_size.Given(**setting, transposed=True))
    assert tuple(solution.answers["output"]) == expected


def run_json(cli, *args):
    result = cli(*args, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_pytorch_documentation_example(cli):
    # ConvTranspose2d's documentation: 12×12 down to 6×6 (Conv2d k=3 s=2 p=1) and back up to 12×12.
    down = run_json(cli, "conv-size", "12x12x16", "-k", "3", "-s", "2", "-p", "1", "-n", "16")
    assert down["answers"]["output"] == [6, 6, 16]
    up = run_json(cli, "conv-size", "6x6x16", "-k", "3", "-s", "2", "-p", "1", "--output-padding", "1",
                  "--transposed", "-n", "16")  # fmt: skip
    assert up["answers"]["output"] == [12, 12, 16]
    assert up["answers"]["full"] == 13  # (6 − 1)·2 + 3 cells before cropping one from each side


def test_the_named_mistakes():
    solution = conv_size.solve(
        conv_size.Given(input=6, kernel=3, stride=2, padding=1, output_padding=1, transposed=True)
    )
    assert solution.evaluate(variant=("spread", "no_minus_one"))["out"] == 14  # 6·2 + 3 − 2 + 1
    assert solution.evaluate(variant=("out", "padding_added"))["out"] == 16  # 13 + 2 + 1
    assert solution.evaluate(variant=("out", "output_padding_ignored"))["out"] == 11


@pytest.mark.parametrize("problem", ["conv_size_transposed_pytorch", "conv_stack_dcgan_generator"])
def test_problem_files_agree_with_their_source(cli, problem):
    result = cli("check", PROBLEMS / f"{problem}.yaml")
    assert result.code == 0, result.out + result.err
    assert " 0 unexplained" in result.out


def test_conv_stack_layer(cli):
    data = run_json(cli, "conv-stack", "7x7x64", "convtranspose k=4 n=32 s=2 p=1", "deconv k=3 n=3 s=2 p=1 op=1")
    assert [layer["output"] for layer in data["layers"]] == [[14, 14, 32], [28, 28, 3]]
    # PyTorch's ConvTranspose2d weight is (C_in, C_out, K_h, K_w), plus a bias per output channel.
    assert [layer["params"] for layer in data["layers"]] == [64 * 32 * 4 * 4 + 32, 32 * 3 * 3 * 3 + 3]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["conv-size", "6", "-k", "3", "-s", "2", "--output-padding", "2", "--transposed"],
         "output padding 2 is not smaller than the stride (2) or the dilation (1); expected at most 1"),
        (["conv-size", "6", "-k", "3", "--output-padding", "1", "--transposed"], "output padding 1 is not smaller"),
        (["conv-size", "6", "-k", "3", "-s", "2", "--output-padding", "1"], "output_padding belongs to a transposed"),
        (["conv-size", "1", "-k", "1", "-p", "1", "--transposed"], "crops away the whole height"),
        (["conv-size", "6", "-k", "3", "-p", "same", "--transposed"], "padding: 'same' is not a whole number"),
        (["conv-stack", "4x4x8", "convtranspose k=3 n=4 s=2 op=2"], "layer 1 (convtranspose k=3 n=4 s=2 op=2): "
                                                                    "output padding 2 is not smaller"),
        (["conv-stack", "4x4x8", "convtranspose k=3 n=4 c=3"], "channel mismatch: the layer expects c=3"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line(cli, args, message):
    result = cli(*args)
    assert result.code == 2
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnsolve: error: "), result.err
    assert message in lines[0]
