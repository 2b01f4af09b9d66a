"""Locally connected layers (weights not shared): sizes and parameter counts against enumeration and Keras."""

from __future__ import annotations

import json

import pytest
from conftest import PROBLEMS
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.kinds.sizes import conv_stack


def window_starts(size: int, kernel: int, stride: int, pad: int) -> list[int]:
    return list(range(0, size + 2 * pad - kernel + 1, stride))


def weights_position_by_position(height, width, channels, kernel, filters, stride, pad, bias):
    """Every output position owns its own kernels and biases: count them one position at a time."""
    total = 0
    for _top in window_starts(height, kernel, stride, pad):
        for _left in window_starts(width, kernel, stride, pad):
            for _filter in range(filters):
                total += kernel * kernel * channels + (1 if bias else 0)
    return total


@settings(deadline=None)
@given(
    height=st.integers(3, 12), width=st.integers(3, 12), channels=st.integers(1, 4), kernel=st.integers(1, 3),
    filters=st.integers(1, 5), stride=st.integers(1, 3), pad=st.integers(0, 2), bias=st.booleans(),
)  # fmt: skip
def test_parameters_match_the_positions(height, width, channels, kernel, filters, stride, pad, bias):
    layer = f"local k={kernel} n={filters} s={stride} p={pad} bias={int(bias)}"
    solution = conv_stack.solve(conv_stack.Given(input=f"{height}x{width}x{channels}", layers=[layer]))
    rows, cols = len(window_starts(height, kernel, stride, pad)), len(window_starts(width, kernel, stride, pad))
    assert tuple(solution.answers["output"]) == (rows, cols, filters)
    expected = weights_position_by_position(height, width, channels, kernel, filters, stride, pad, bias)
    assert solution.answers["total_params"] == expected


def test_keras_documentation_example(cli):
    result = cli("check", PROBLEMS / "conv_stack_keras_locally_connected.yaml")
    assert result.code == 0, result.out + result.err
    assert " 0 unexplained" in result.out


def test_unshared_weights_cost_one_convolution_per_position(cli):
    result = cli("conv-stack", "32x32x3", "local k=3 n=64", "--json")
    shared = cli("conv-stack", "32x32x3", "conv k=3 n=64", "--json")
    local, conv = json.loads(result.out)["layers"][0], json.loads(shared.out)["layers"][0]
    assert local["output"] == conv["output"] == [30, 30, 64]
    assert local["params"] == 30 * 30 * conv["params"]


def test_a_kernel_larger_than_the_input_is_one_line(cli):
    result = cli("conv-stack", "4x4x3", "local k=5 n=2")
    assert result.code == 2
    assert result.err.startswith("nnsolve: error: layer 1 (local k=5 n=2): the kernel (5) is larger")
    assert len(result.err.splitlines()) == 1


@pytest.mark.parametrize("layer", ["local k=3 n=2 g=2", "local k=3 n=2 d=2"])
def test_settings_a_locally_connected_layer_does_not_take(cli, layer):
    result = cli("conv-stack", "8x8x2", layer)
    assert result.code == 2
    assert "local has no setting" in result.err
