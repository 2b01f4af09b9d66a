"""Transposed convolution: sizes and maps against scatter loops and conv's adjoint, published examples, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import PROBLEMS
from hypothesis import given, settings
from hypothesis import strategies as st
from test_conv import brute_conv

from solver.kinds.maps import transpose
from solver.kinds.sizes import conv_size

# --- an independent reference: where every tap of every input cell lands ----------------------


def scattered_length(size: int, kernel: int, stride: int, padding: int, dilation: int, output_padding: int) -> int:
    """One past the last cell any kernel tap reaches, less the cropped padding, plus the output padding."""
    reached = max(i * stride + k * dilation for i in range(size) for k in range(kernel))
    return reached + 1 - 2 * padding + output_padding


settings_per_axis = st.tuples(
    st.integers(1, 12), st.integers(1, 5), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3), st.integers(0, 3)
)


@settings(deadline=None)
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


# --- the map: against a gather loop and against convolution's adjoint ----------------------------


def transposed_shape(image, kernel, stride, padding, output_padding, dilation):
    """The output's (rows, columns) by the scatter reference; 0 where the padding crops everything."""
    settings_ = zip(image.shape[1:], kernel.shape[1:], stride, padding, dilation, output_padding, strict=True)
    return tuple(max(scattered_length(*axis), 0) for axis in settings_)


def gathered(image, kernel, stride, padding, output_padding, dilation):
    """image (C, H, W), kernel (C, KH, KW): each output cell collects the taps that land on it."""
    channels, height, width = image.shape
    _, kh, kw = kernel.shape
    rows, cols = transposed_shape(image, kernel, stride, padding, output_padding, dilation)
    out = np.zeros((rows, cols))
    for o in range(rows):
        for q in range(cols):
            for c in range(channels):
                for i in range(height):
                    for j in range(width):
                        for u in range(kh):
                            for v in range(kw):
                                if (i * stride[0] + u * dilation[0] - padding[0] == o
                                        and j * stride[1] + v * dilation[1] - padding[1] == q):  # fmt: skip
                                    out[o, q] += image[c, i, j] * kernel[c, u, v]
    return out


small = st.integers(-4, 4)


@st.composite
def transposed_cases(draw):
    channels, height, width = draw(st.integers(1, 2)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation, strict=True))
    image = np.array(draw(st.lists(small, min_size=channels * height * width, max_size=channels * height * width)))
    kernel = np.array(draw(st.lists(small, min_size=channels * kh * kw, max_size=channels * kh * kw)))
    return (image.reshape(channels, height, width).astype(float), kernel.reshape(channels, kh, kw).astype(float),
            stride, padding, output_padding, dilation)  # fmt: skip


def _pair(values):
    return f"{values[0]}x{values[1]}"


def solved(image, kernel, stride, padding, output_padding, dilation, bias=None):
    flat = image.shape[0] == 1
    return transpose.solve(
        transpose.Given(
            image=(image[0] if flat else image).tolist(),
            kernel=(kernel[0] if flat else kernel).tolist(),
            stride=_pair(stride),
            padding=_pair(padding),
            output_padding=_pair(output_padding),
            dilation=_pair(dilation),
            bias=bias,
        )
    )


@settings(max_examples=100, deadline=None)
@given(transposed_cases())
def test_map_matches_the_gather_loop(case):
    image, kernel, stride, padding, output_padding, dilation = case
    if min(transposed_shape(image, kernel, stride, padding, output_padding, dilation)) < 1:
        return
    expected = gathered(image, kernel, stride, padding, output_padding, dilation)
    solution = solved(image, kernel, stride, padding, output_padding, dilation, bias=1.5)
    assert np.allclose(solution["feature_map"].value, expected + 1.5)
    assert tuple(solution["output_size"].value) == expected.shape


@settings(max_examples=60, deadline=None)
@given(transposed_cases(), st.integers(0, 10**6))
def test_map_is_the_adjoint_of_the_convolution(case, seed):
    # sum over c of <conv(y, k_c), x_c> = <y, conv_transpose(x, k)> for every y of the output's size:
    # a transposed convolution is the convolution's transpose, as its name says.
    image, kernel, stride, padding, output_padding, dilation = case
    if min(transposed_shape(image, kernel, stride, padding, output_padding, dilation)) < 1:
        return
    output = solved(image, kernel, stride, padding, output_padding, dilation)["feature_map"].value
    y = np.random.default_rng(seed).integers(-3, 4, size=(1, *output.shape)).astype(float)
    height, width = image.shape[1:]
    # A forward cell past the input (output padding above the stride, when dilation allows it) has no partner.
    forward = [
        brute_conv(y, kernel[c : c + 1], stride=stride, padding=padding, dilation=dilation)[:height, :width]
        for c in range(image.shape[0])
    ]
    assert forward[0].shape == (height, width)
    left = sum(float((f * x).sum()) for f, x in zip(forward, image, strict=True))
    assert left == pytest.approx(float((y[0] * output).sum()))


def test_d2l_padding_crops_to_the_centre():
    # Dive into Deep Learning: ConvTranspose2d(1, 1, kernel_size=2, padding=1) on X gives [[4]].
    x = np.array([[[0.0, 1.0], [2.0, 3.0]]])
    solution = solved(x, x, (1, 1), (1, 1), (0, 0), (1, 1))
    assert solution["full_map"].value.tolist() == [[0, 0, 1], [0, 4, 6], [4, 12, 9]]
    assert solution["feature_map"].value.tolist() == [[4]]


@pytest.mark.parametrize("problem", ["conv_transpose_d2l_basic", "conv_transpose_d2l_stride_2"])
def test_d2l_problem_files_agree(cli, problem):
    result = cli("check", PROBLEMS / f"{problem}.yaml")
    assert result.code == 0, result.out + result.err
    assert " 0 unexplained" in result.out


def test_flipped_kernel_is_a_named_mistake():
    x = np.array([[[0.0, 1.0], [2.0, 3.0]]])
    solution = solved(x, x, (1, 1), (0, 0), (0, 0), (1, 1))
    wrong = solution.evaluate(variant=("feature_map", "flipped_kernel"))["feature_map"]
    assert wrong.tolist() == gathered(x, x[:, ::-1, ::-1], (1, 1), (0, 0), (0, 0), (1, 1)).tolist()


def test_the_work_shows_each_scaled_copy(cli):
    result = cli("conv-transpose", "0 1; 2 3", "0 1; 2 3", "-s", "2")
    assert result.code == 0, result.err
    assert "image[2,2]: 3 × kernel = [[0, 3], [6, 9]] at rows 3–4, columns 3–4" in result.out


def test_channels_sum_their_copies(cli):
    image = [[[1, 2], [3, 4]], [[0, 1], [1, 0]]]
    kernels = [[[[1, 0], [0, 1]], [[2, 2], [2, 2]]], [[[0, 1], [1, 0]], [[1, 1], [1, 1]]]]
    result = cli("conv-transpose", json.dumps(image), *(json.dumps(k) for k in kernels), "--json")
    answers = json.loads(result.out)["answers"]
    for n, kernel in enumerate(kernels, 1):
        expected = gathered(np.array(image, float), np.array(kernel, float), (1, 1), (0, 0), (0, 0), (1, 1))
        assert answers[f"feature_map{n}"] == expected.tolist()
    assert answers["output_size"] == [3, 3, 2]


def test_with_channels_each_copy_names_the_kernels_channel_it_scales(cli):
    image = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]
    kernel = [[[1, 0], [0, 1]], [[2, 2], [2, 2]]]
    result = cli("conv-transpose", json.dumps(image), json.dumps(kernel), "--full")
    assert result.code == 0, result.err
    # Input channel 2's cell (1, 2) holds 6: it scales the kernel's channel 2, [[2, 2], [2, 2]].
    assert "image[2,1,2]: 6 × kernel[2] = [[12, 12], [12, 12]] at rows 1–2, columns 2–3" in result.out
    assert "image[1,1,2]: 2 × kernel[1] = [[2, 0], [0, 2]]" in result.out


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
        (["conv-transpose", "1 2; 3 4", "1 1; 1 1", "-s", "2", "--output-padding", "2"],
         "output padding 2 is not smaller than the stride (2)"),
        (["conv-transpose", "1 2; 3 4", "1 1; 1 1", "-p", "-1"], "padding must be zero or more"),
        (["conv-transpose", "1 2; 3 4", "1 1; 1 1", "-p", "2"], "crops away the whole height"),
        (["conv-transpose", "[[[1, 2]], [[3, 4]]]", "1 1"], "kernel has 1 channel but the image has 2"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line(cli, args, message):
    result = cli(*args)
    assert result.code == 2
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnsolve: error: "), result.err
    assert message in lines[0]
