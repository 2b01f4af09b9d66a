"""Feature maps: against brute-force loops written here, the seeds' answers, golden output, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from solver.files.problem_file import load_problem
from solver.kinds.maps import conv
from tests.conftest import PROBLEMS, assert_golden

# --- an independent reference: one loop per output cell, channel and kernel tap ---------------


def brute_conv(image, kernel, bias=0.0, stride=(1, 1), padding=(0, 0), dilation=(1, 1), flip=False):
    """image (C, H, W), kernel (C, KH, KW): cross-correlation (or true convolution) by hand."""
    channels, height, width = image.shape
    _, kh, kw = kernel.shape
    rows = (height + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    cols = (width + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            total = bias
            for c in range(channels):
                for u in range(kh):
                    for v in range(kw):
                        y = i * stride[0] + u * dilation[0] - padding[0]
                        x = j * stride[1] + v * dilation[1] - padding[1]
                        if 0 <= y < height and 0 <= x < width:
                            weight = kernel[c, kh - 1 - u, kw - 1 - v] if flip else kernel[c, u, v]
                            total += image[c, y, x] * weight
            out[i, j] = total
    return out


small = st.integers(-5, 5)


@st.composite
def conv_cases(draw):
    channels = draw(st.integers(1, 3))
    height, width = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    image = np.array(draw(st.lists(small, min_size=channels * height * width, max_size=channels * height * width)))
    n_kernels = draw(st.integers(1, 2))
    size = channels * kh * kw
    kernels = [np.array(draw(st.lists(small, min_size=size, max_size=size))) for _ in range(n_kernels)]
    image = image.reshape(channels, height, width).astype(float)
    kernels = [k.reshape(channels, kh, kw).astype(float) for k in kernels]
    bias = [draw(small) for _ in kernels] if draw(st.booleans()) else None
    return image, kernels, bias, stride, padding, dilation, draw(st.booleans())


def _given(image, kernels, **settings_):
    def as_data(array):
        return (array[0] if array.shape[0] == 1 else array).tolist()

    data = as_data(image)
    many = len(kernels) > 1
    return conv.Given(
        image=data,
        kernel=None if many else as_data(kernels[0]) if image.shape[0] == 1 else kernels[0].tolist(),
        kernels=[k.tolist() if image.shape[0] > 1 else as_data(k) for k in kernels] if many else None,
        **settings_,
    )


@settings(max_examples=150, deadline=None)
@given(conv_cases())
def test_feature_maps_match_brute_force(case):
    image, kernels, bias, stride, padding, dilation, flip = case
    reach = [d * (k - 1) + 1 for k, d in zip(kernels[0].shape[1:], dilation, strict=True)]
    assume(all(r <= n + 2 * p for r, n, p in zip(reach, image.shape[1:], padding, strict=True)))
    solution = conv.solve(
        _given(
            image,
            kernels,
            bias=bias,
            stride=f"{stride[0]}x{stride[1]}",
            padding=f"{padding[0]}x{padding[1]}",
            dilation=f"{dilation[0]}x{dilation[1]}",
            flip=flip,
        )
    )
    for n, kernel in enumerate(kernels, 1):
        name = "feature_map" if len(kernels) == 1 else f"feature_map{n}"
        expected = brute_conv(image, kernel, bias[n - 1] if bias else 0.0, stride, padding, dilation, flip)
        assert np.allclose(solution[name].value, expected)
        assert tuple(solution["output_size"].value)[:2] == expected.shape
        # The named mistake is the other convention, worked by hand too.
        wrong = solution.evaluate(variant=(name, "unflipped_kernel" if flip else "flipped_kernel"))[name]
        assert np.allclose(
            wrong, brute_conv(image, kernel, bias[n - 1] if bias else 0.0, stride, padding, dilation, not flip)
        )


@settings(max_examples=50, deadline=None)
@given(conv_cases(), st.sampled_from(["max", "avg", "min"]), st.integers(1, 2))
def test_relu_and_pooling_after_the_map(case, mode, window):
    image, kernels, _, _, _, _, flip = case
    assume(all(k <= n for k, n in zip(kernels[0].shape[1:], image.shape[1:], strict=True)))
    expected = np.maximum(brute_conv(image, kernels[0], flip=flip), 0)
    assume(all(window <= n for n in expected.shape))
    solution = conv.solve(_given(image, kernels[:1], flip=flip, activation="relu", pool=conv.PoolSpec(window, mode)))
    assert np.allclose(solution["activated"].value, expected)
    rows, cols = expected.shape[0] // window, expected.shape[1] // window
    blocks = expected[: rows * window, : cols * window].reshape(rows, window, cols, window)
    reduce = {"max": np.max, "min": np.min, "avg": np.mean}[mode]
    assert np.allclose(solution["pooled"].value, reduce(blocks, axis=(1, 3)))


# --- the seeds ------------------------------------------------------------------------------------


def _solved(name):
    return load_problem(PROBLEMS / name).solve()


def test_seed_000_vertical_edge():
    solution = _solved("conv_000_vertical_edge.yaml")
    assert solution["feature_map"].value.tolist() == [[-8, 0, 0]] * 3
    first = solution["feature_map"].detail[0]
    assert first.label == "{feature_map[1,1]}"  # a name, shown as the course names it
    assert first.written("text") == "patch [[1, 5], [1, 5]]: (1)(1) + (5)(-1) + (1)(1) + (5)(-1) = 1 - 5 + 1 - 5 = -8"
    assert solution.entry("feature_map[2,2]") == 0


def test_seed_003_two_filters_and_max_pooling():
    solution = _solved("conv_003_two_filters_max_pooling.yaml")
    assert solution.entry("feature_map1[1,1]") == 3
    assert solution.entry("feature_map1[1,2]") == -1
    assert solution["pooled1"].value.tolist() == [[3, 0], [3, 1]]
    assert solution["pooled2"].value.tolist() == [[-1, 1], [0, 3]]
    stride_two = _solved("conv_003_stride_2.yaml")
    assert stride_two["feature_map"].value.tolist() == [[3, -3], [-3, 0]]


def test_seed_004_worked_sums():
    solution = _solved("conv_004_4_2a.yaml")
    assert solution["feature_map"].value.tolist() == [[-2, 6], [2, 2]]
    # The seed's top-left sum, row by row: (1*2 + 0*3 + 1*-1) + (-1*4 + 0*1 + -1*0) + (1*-2 + 0*1 + 1*3)
    assert (1 * 2 + 0 * 3 + 1 * -1) + (-1 * 4 + 0 * 1 + -1 * 0) + (1 * -2 + 0 * 1 + 1 * 3) == -2
    assert solution["feature_map"].detail[0].written("text").endswith("= -2")


def test_seed_001_x_centre_is_the_only_nine():
    solution = _solved("conv_001_x_detector.yaml")
    feature_map = solution["feature_map"].value
    assert feature_map.max() == 9
    assert list(zip(*np.nonzero(feature_map == 9), strict=True)) == [(2, 2)]
    assert solution["activated"].value.min() == 0


@pytest.mark.parametrize(
    ("name", "sizes"),
    [
        ("conv_003_numerical_3a.yaml", ((4, 4), (2, 2))),
        ("conv_003_numerical_3b.yaml", ((6, 6), (2, 2))),
        ("conv_003_numerical_4.yaml", ((4, 4), (1, 1))),
    ],
)
def test_cnn_numericals_3_and_4(name, sizes):
    solution = _solved(name)
    problem = load_problem(PROBLEMS / name)
    given_data = problem.given
    image = np.array(given_data.image, dtype=float)[None]
    kernel = np.array(given_data.kernel, dtype=float)[None]
    padding = int(given_data.padding)
    expected = brute_conv(image, kernel, padding=(padding, padding))
    assert np.allclose(solution["feature_map"].value, expected)
    assert tuple(solution["output_size"].value) == sizes[0]
    assert solution["pooled"].value.shape == sizes[1]
    window = int(given_data.pool.window)
    block = expected[:window, :window]
    first = block.mean() if given_data.pool.mode == "avg" else block.max()
    assert solution["pooled"].value[0, 0] == pytest.approx(first)


@pytest.mark.parametrize(
    "name",
    [
        "conv_000_vertical_edge.yaml",
        "conv_001_x_detector.yaml",
        "conv_003_two_filters_max_pooling.yaml",
        "conv_003_stride_2.yaml",
        "conv_003_numerical_3a.yaml",
        "conv_003_numerical_3b.yaml",
        "conv_003_numerical_4.yaml",
        "conv_004_4_2a.yaml",
    ],
)
def test_check_agrees_with_the_source(cli, name):
    result = cli("check", PROBLEMS / name)
    assert result.code == 0, result.out


# --- output -----------------------------------------------------------------------------------------


def test_golden_terminal(cli):
    result = cli("solve", PROBLEMS / "conv_000_vertical_edge.yaml")
    assert result.code == 0
    assert_golden("conv_000_vertical_edge.term", result.out)


def test_golden_markdown(cli):
    result = cli("solve", PROBLEMS / "conv_003_two_filters_max_pooling.yaml", "--format", "md")
    assert result.code == 0
    assert_golden("conv_003_two_filters_max_pooling.md", result.out)


def test_golden_quick_command_with_padding_flip_and_bias(cli):
    result = cli("conv", "1 2 3; 4 5 6; 7 8 9", "1 0; 0 -1", "-p", "1", "--flip", "-b", "0.5", "--relu")
    assert result.code == 0
    assert_golden("conv_quick_flip.term", result.out)


def test_json_carries_the_whole_map(cli):
    result = cli("conv", "[[[1,2,3],[4,5,6]],[[0,1,0],[1,0,1]]]", "[[[1,1]],[[2,-1]]]", "--json")
    data = json.loads(result.out)
    assert data["kind"] == "conv"
    image = np.array([[[1, 2, 3], [4, 5, 6]], [[0, 1, 0], [1, 0, 1]]], dtype=float)
    assert np.allclose(data["answers"]["feature_map"], brute_conv(image, np.array([[[1, 1]], [[2, -1]]], dtype=float)))


def test_large_maps_are_summarized(cli, tmp_path):
    lengths = []
    for size in (40, 80):
        path = tmp_path / f"image{size}.npy"
        np.save(path, np.arange(size * size, dtype=float).reshape(size, size) % 7)
        result = cli("conv", path, "1 0 -1; 1 0 -1; 1 0 -1")
        assert result.code == 0
        assert "more cells, each the same sum of products" in result.out
        lengths.append(len(result.out))
    # Text does not grow with the image: only a few cells are worked, the grids show a corner.
    assert abs(lengths[1] - lengths[0]) < 200


def test_several_kernels_are_numbered(cli):
    result = cli("conv", "1 2; 3 4", "1", "2", "--json")
    answers = json.loads(result.out)["answers"]
    assert answers["feature_map1"] == [[1, 2], [3, 4]]
    assert answers["feature_map2"] == [[2, 4], [6, 8]]
    assert answers["output_size"] == [2, 2, 2]


def test_pool_option_takes_a_stride(cli):
    result = cli("conv", "1 2 3; 4 5 6; 7 8 9", "1", "--pool", "max:2:1", "--json")
    assert json.loads(result.out)["answers"]["pooled"] == [[5, 6], [8, 9]]


# --- bad input: one line, exit 2 ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("1 2 3; 4 5", "1"), "image: row 2 has 2 entries but row 1 has 3"),
        (("1 2; 3 4", "1 x"), "kernel: row 1, column 2 ('x') is not a number"),
        (("1 2; 3 4", "1 1 1; 1 1 1; 1 1 1"), "is larger than the padded input"),
        (("[[[1,2],[3,4]],[[1,2],[3,4]]]", "1 1; 1 1"), "kernel has 1 channel but the image has 2"),
        (("missing.npy", "1"), "cannot read the image file 'missing.npy'"),
        (("1 2; 3 4", "1", "--pool", "max:3"), "pooling window 3x3 is larger than the map"),
        (("1 2; 3 4", "1", "--pool", "mean:2"), "expected MODE:WINDOW[:STRIDE]"),
        (("1 2; 3 4", "1", "2", "-b", "1"), "bias has 1 value for 2 kernels"),
        (("1 2; 3 4", "1", "1 1"), "kernel 2 is 1x2 but kernel 1 is 1x1"),
    ],
)
def test_bad_input(cli, args, message):
    result = cli("conv", *args)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnsolve: error: ")
    assert message in lines[0]


def test_bad_problem_file_points_at_the_field(cli, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("kind: conv\ngiven:\n  image: [[1, 2], [3]]\n  kernel: [[1]]\n")
    result = cli("solve", path)
    assert result.code == 2
    assert "bad.yaml:3: given.image" in result.err
    assert "row 2 has 1 entry but row 1 has 2" in result.err


def test_matrices_may_start_with_a_minus_sign(cli):
    result = cli("conv", "-1 2; 3 -4", "-1", "--json")
    assert json.loads(result.out)["answers"]["feature_map"] == [[1, -2], [-3, 4]]


def test_pool_may_be_written_as_text_in_a_file():
    solution = conv.solve(conv.Given(image="1 2 3; 4 5 6; 7 8 9", kernel="1", pool="avg:3"))
    assert solution["pooled"].value.tolist() == [[5]]


def test_large_json_arrays_are_compact_and_whole(cli):
    image = np.arange(900, dtype=float).reshape(30, 30)
    result = cli("conv", json.dumps(image.tolist()), "1 1", "--json")
    data = json.loads(result.out)
    expected = image[:, :-1] + image[:, 1:]
    assert data["answers"]["feature_map"] == expected.tolist()
    assert data["steps"][-1]["value"] == expected.tolist()
    # One line per array, not one line per number.
    assert len(result.out.splitlines()) < 400
    # The LaTeX of a large map shows its corners only.
    assert r"\cdots" in data["steps"][-1]["latex"]
    assert len(data["steps"][-1]["latex"]) < 2000
