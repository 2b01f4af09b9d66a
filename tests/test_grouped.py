"""Grouped, depthwise and depthwise-separable convolutions: parameter counts, sizes, maps, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import PROBLEMS
from hypothesis import given, settings
from hypothesis import strategies as st
from test_conv import brute_conv

from solver.kinds.maps import conv


def run_json(cli, *args):
    result = cli(*args, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def connected_weights(channels_in: int, channels_out: int, groups: int, kh: int, kw: int) -> int:
    """Count the kernel taps that join an input channel to an output channel of the same group, one pair at a time."""
    per_in, per_out = channels_in // groups, channels_out // groups
    return sum(kh * kw for o in range(channels_out) for c in range(channels_in) if c // per_in == o // per_out)


@settings(deadline=None)
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
        ("conv k=3 n=8 g=3", "groups 3 do not divide the 8 output channels"),
        ("conv k=3 n=8 g=4", "groups 4 do not divide the 6 input channels"),
        ("conv k=3 n=9 g=2", "groups 2 do not divide the 9 output channels"),
        ("convtranspose k=3 n=4 g=4", "groups 4 do not divide the 6 input channels"),
        ("conv k=3 n=6 g=0", "groups 0 do not divide the 6 input channels"),
        ("depthwise k=3 m=0", "m must be a positive whole number"),
    ],
)
def test_groups_that_do_not_divide_are_one_line(cli, layer, message):
    result = cli("conv-stack", "8x8x6", layer)
    assert result.code == 2
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnsolve: error: "), result.err
    assert message in lines[0]


# --- maps: each kernel reads its group's channels only -------------------------------------------

small = st.integers(-4, 4)


@st.composite
def grouped_cases(draw):
    groups, per_group, per_kernel_group = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    channels, count = groups * per_group, groups * per_kernel_group
    height, width, k = draw(st.integers(2, 5)), draw(st.integers(2, 5)), draw(st.integers(1, 2))
    image = np.array(draw(st.lists(small, min_size=channels * height * width, max_size=channels * height * width)))
    size = per_group * k * k
    kernels = [np.array(draw(st.lists(small, min_size=size, max_size=size))).reshape(per_group, k, k)
               for _ in range(count)]  # fmt: skip
    return image.reshape(channels, height, width).astype(float), [kk.astype(float) for kk in kernels], groups


@settings(max_examples=80, deadline=None)
@given(grouped_cases(), st.integers(0, 10**6))
def test_grouped_maps_match_a_convolution_per_group(case, seed):
    image, kernels, groups = case
    count, per_group = len(kernels), image.shape[0] // groups
    pointwise = np.random.default_rng(seed).integers(-2, 3, size=(2, count)).astype(float)
    solution = conv.solve(
        conv.Given(
            image=image.tolist(),
            kernels=[k.tolist() for k in kernels],
            groups=groups,
            pointwise=pointwise.tolist(),
        )
    )
    expected = []
    for n, kernel in enumerate(kernels):
        group = n // (count // groups)
        expected.append(brute_conv(image[group * per_group : (group + 1) * per_group], kernel))
        name = "feature_map" if count == 1 else f"feature_map{n + 1}"
        assert np.allclose(solution[name].value, expected[-1])
    # The 1×1 pointwise step of a depthwise-separable convolution: a weighted sum of the maps per output map.
    for j, weights in enumerate(pointwise, 1):
        mixed = sum(w * m for w, m in zip(weights, expected, strict=True))
        assert np.allclose(solution[f"pointwise_map{j}"].value, mixed)


def test_depthwise_is_groups_equal_to_channels(cli):
    image = [[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[1, 0], [0, 1]]]
    result = cli("conv", json.dumps(image), "2", "-1", "10", "-g", "3", "--json")
    answers = json.loads(result.out)["answers"]
    assert [answers[f"feature_map{n}"] for n in (1, 2, 3)] == [[[2, 4], [6, 8]], [[-5, -6], [-7, -8]],
                                                                 [[10, 0], [0, 10]]]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("[[[1]], [[2]], [[3]], [[4]]]", "1", "-g", "3"), "groups 3 do not divide the 4 channels"),
        (("[[[1]], [[2]], [[3]], [[4]]]", *["[[[1]], [[1]]]"] * 3, "-g", "2"), "groups 2 do not divide the 3 kernels"),
        (("[[[1]], [[2]], [[3]], [[4]]]", "[[[1]], [[1]]]", "-g", "4"),
         "kernel has 2 channels but the image has 4 in 4 groups of 1"),
        (("[[[1]], [[2]]]", "1", "-g", "0"), "groups 0 do not divide the 2 channels"),
    ],
)  # fmt: skip
def test_bad_groups_in_maps_are_one_line(cli, args, message):
    result = cli("conv", *args)
    assert result.code == 2
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnsolve: error: "), result.err
    assert message in lines[0]


def test_pointwise_of_the_wrong_width_is_one_line(cli, tmp_path):
    path = tmp_path / "separable.yaml"
    path.write_text('kind: conv\ngiven:\n  image: "1 2; 3 4"\n  kernels: ["1", "2"]\n  pointwise: "1 2 3"\n')
    result = cli("solve", path)
    assert result.code == 2
    assert "pointwise is 1x3 for 2 feature maps; expected one row per output map and 2 columns" in result.err


def test_conv_size_counts_grouped_parameters_step_by_step(cli):
    answers = run_json(cli, "conv-size", "56x56x64", "-k", "3", "-p", "1", "-n", "128", "-g", "4")["answers"]
    assert answers["output"] == [56, 56, 128]
    assert answers["channels_per_filter"] == 16
    assert answers["params"] == connected_weights(64, 128, 4, 3, 3) + 128


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["56x56x64", "-k", "3", "-n", "128", "-g", "3"], "groups 3 do not divide the 64 input channels"),
        (["56x56x64", "-k", "3", "-n", "6", "-g", "4"], "groups 4 do not divide the 6 filters"),
        (["56x56", "-k", "3", "-g", "2"], "groups need the input's channels and the number of filters"),
    ],
)
def test_conv_size_groups_that_do_not_divide(cli, args, message):
    result = cli("conv-size", *args)
    assert result.code == 2
    assert len(result.err.splitlines()) == 1 and message in result.err
