"""Grouped, depthwise and depthwise-separable convolutions: parameter counts, sizes, maps, bad input."""

from __future__ import annotations

import json

import pytest
from conftest import PROBLEMS
from hypothesis import given
from hypothesis import strategies as st


def run_json(cli, *args):
    result = cli(*args, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def connected_weights(channels_in: int, channels_out: int, groups: int, kh: int, kw: int) -> int:
    """Count the kernel taps that join an input channel to an output channel of the same group, one pair at a time."""
    per_in, per_out = channels_in // groups, channels_out // groups
    return sum(kh * kw for o in range(channels_out) for c in range(channels_in) if c // per_in == o // per_out)


@given(
    groups=st.integers(1, 4), per_in=st.integers(1, 4), per_out=st.integers(1, 4), k=st.integers(1, 3),
    bias=st.booleans(),
)  # fmt: skip
def test_grouped_parameters_count_only_the_connections_within_a_group(groups, per_in, per_out, k, bias):
    from solver.kinds.sizes import conv_stack

    channels_in, channels_out = groups * per_in, groups * per_out
    layer = f"conv k={k} n={channels_out} g={groups} bias={int(bias)}"
    solution = conv_stack.solve(conv_stack.Given(input=f"8x8x{channels_in}", layers=[layer]))
    expected = connected_weights(channels_in, channels_out, groups, k, k) + (channels_out if bias else 0)
    assert solution.answers["total_params"] == expected
    # PyTorch's documentation: weight (out_channels, in_channels/groups, kH, kW), bias (out_channels).
    assert expected == channels_out * (channels_in // groups) * k * k + (channels_out if bias else 0)


def test_depthwise_and_separable_layers(cli):
    data = run_json(cli, "conv-stack", "56x56x64", "depthwise k=3 p=1 m=2 bias=0", "separable k=3 n=64 p=1")
    assert [layer["output"] for layer in data["layers"]] == [[56, 56, 128], [56, 56, 64]]
    # A depthwise layer is a grouped convolution with groups = channels: each filter sees one channel.
    assert data["layers"][0]["params"] == connected_weights(64, 128, 64, 3, 3)
    # Keras' SeparableConv2D: depthwise 3·3·C·m, pointwise C·m·n, and n biases on the pointwise step only.
    assert data["layers"][1]["params"] == connected_weights(128, 128, 128, 3, 3) + 128 * 64 + 64


def test_mobilenet_has_keras_published_count(cli):
    result = cli("check", PROBLEMS / "conv_stack_mobilenet.yaml")
    assert result.code == 0, result.out + result.err
    assert " 0 unexplained" in result.out


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ("conv k=3 n=8 g=3", "3 groups do not divide the 8 output channels"),
        ("conv k=3 n=8 g=4", "4 groups do not divide the 6 input channels"),
        ("conv k=3 n=9 g=2", "2 groups do not divide the 9 output channels"),
        ("convtranspose k=3 n=4 g=4", "4 groups do not divide the 6 input channels"),
        ("conv k=3 n=6 g=0", "g must be a positive whole number"),
        ("depthwise k=3 m=0", "m must be a positive whole number"),
    ],
)
def test_groups_that_do_not_divide_are_one_line(cli, layer, message):
    result = cli("conv-stack", "8x8x6", layer)
    assert result.code == 2
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnsolve: error: "), result.err
    assert message in lines[0]
