"""Pooling: against loops that follow PyTorch's definition, the seed, golden output, bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from solver.files.problem_file import load_problem
from solver.kinds.maps import pool
from tests.conftest import PROBLEMS, assert_golden

# --- an independent reference, written from PyTorch's documented rules ----------------------


def out_length(size, kernel, stride, pad, ceil):
    span = size + 2 * pad - kernel
    count = (math.ceil(span / stride) if ceil else span // stride) + 1
    # ceil mode: the last window must start inside the input or the left padding
    if ceil and (count - 1) * stride >= size + pad:
        count -= 1
    return count


def brute_pool(plane, kernel, stride, pad, mode, ceil=False, count_include_pad=True):
    height, width = plane.shape
    rows = out_length(height, kernel[0], stride[0], pad[0], ceil)
    cols = out_length(width, kernel[1], stride[1], pad[1], ceil)
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            top, left = i * stride[0] - pad[0], j * stride[1] - pad[1]
            bottom, right = min(top + kernel[0], height + pad[0]), min(left + kernel[1], width + pad[1])
            with_padding = (bottom - top) * (right - left)
            cells = [
                plane[y, x]
                for y in range(max(top, 0), min(bottom, height))
                for x in range(max(left, 0), min(right, width))
            ]
            if mode == "max":
                out[i, j] = max(cells)
            elif mode == "min":
                out[i, j] = min(cells)
            else:
                out[i, j] = sum(cells) / (with_padding if count_include_pad else len(cells))
    return out


@st.composite
def pool_cases(draw):
    channels = draw(st.sampled_from([None, 1, 2]))
    height, width = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    pad = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    count = (channels or 1) * height * width
    values = np.array(draw(st.lists(st.integers(-9, 9), min_size=count, max_size=count)), dtype=float)
    planes = values.reshape(channels or 1, height, width)
    mode = draw(st.sampled_from(["max", "avg", "min"]))
    return planes, channels is not None, kernel, stride, pad, mode, draw(st.booleans()), draw(st.booleans())


@settings(max_examples=200, deadline=None)
@given(pool_cases())
def test_pooling_matches_brute_force(case):
    planes, as_channels, kernel, stride, pad, mode, ceil, include = case
    assume(all(k <= n + 2 * p for k, n, p in zip(kernel, planes.shape[1:], pad, strict=True)))
    data = planes.tolist() if as_channels else planes[0].tolist()
    solution = pool.solve(
        pool.Given(
            map=data,
            window=f"{kernel[0]}x{kernel[1]}",
            stride=f"{stride[0]}x{stride[1]}",
            padding=f"{pad[0]}x{pad[1]}",
            mode=mode,
            ceil=ceil,
            count_include_pad=include,
        )
    )
    expected = np.array([brute_pool(p, kernel, stride, pad, mode, ceil, include) for p in planes])
    got = solution["pooled"].value
    assert np.allclose(got if as_channels else got[None], expected)
    assert tuple(solution["output_size"].value)[:2] == expected.shape[1:]
    names = {v.name for v in solution["pooled"].variants}
    if "pool_stride_one" in names:
        wrong = solution.evaluate(variant=("pooled", "pool_stride_one"))["pooled"]
        by_one = np.array([brute_pool(p, kernel, (1, 1), pad, mode, ceil, include) for p in planes])
        assert np.allclose(wrong if as_channels else wrong[None], by_one)
    for name in names & {"avg_divisor_with_padding", "avg_divisor_without_padding"}:
        wrong = solution.evaluate(variant=("pooled", name))["pooled"]
        other = np.array([brute_pool(p, kernel, stride, pad, mode, ceil, not include) for p in planes])
        assert np.allclose(wrong if as_channels else wrong[None], other)


def test_the_named_mistakes():
    solution = pool.solve(pool.Given(map="1 2 3; 4 5 6; 7 8 9", window=2, padding=1, mode="avg"))
    variants = {v.name: v.feedback for v in solution["pooled"].variants}
    assert set(variants) == {"pool_stride_one", "avg_divisor_without_padding", "max_instead_of_average"}
    assert all(text.endswith(".") for text in variants.values())
    # Corner window of the padded map: 1 real cell, 3 padding zeros; PyTorch divides by 4 by default.
    assert solution.entry("pooled[1,1]") == pytest.approx(0.25)
    wrong = solution.evaluate(variant=("pooled", "avg_divisor_without_padding"))["pooled"]
    assert wrong[0, 0] == pytest.approx(1.0)
    excluded = pool.solve(
        pool.Given(map="1 2 3; 4 5 6; 7 8 9", window=2, padding=1, mode="avg", count_include_pad=False)
    )
    assert {v.name for v in excluded["pooled"].variants} == {
        "pool_stride_one",
        "avg_divisor_with_padding",
        "max_instead_of_average",
    }


@pytest.mark.parametrize(("mode", "slip", "done"), [("max", "average_instead_of_max", "avg"),
                                                    ("avg", "max_instead_of_average", "max")])  # fmt: skip
def test_the_other_pooling_mode_is_a_named_mistake(mode, slip, done):
    plane = np.array([[1.0, -2, 3, 0], [4, 5, -6, 2], [7, 0, 9, 1], [-1, 3, 2, 8]])
    solution = pool.solve(pool.Given(map=plane.tolist(), window=2, mode=mode))
    wrong = solution.evaluate(variant=("pooled", slip))["pooled"]
    assert np.allclose(wrong, brute_pool(plane, (2, 2), (2, 2), (0, 0), done))
    assert not np.allclose(wrong, solution["pooled"].value)


def test_seed_003_max_pooling():
    solution = load_problem(PROBLEMS / "pool_003_max_pooling.yaml").solve()
    assert solution["pooled"].value.tolist() == [[[3, 0], [3, 1]], [[-1, 1], [0, 3]]]
    assert solution.entry("pooled[2,2,2]") == 3


def test_check_agrees_with_the_source(cli):
    assert cli("check", PROBLEMS / "pool_003_max_pooling.yaml").code == 0


def test_golden_terminal(cli):
    result = cli("pool", "3 -1 -3 -1; -3 1 0 -3; -3 -3 0 1; 3 -2 -2 -1", "-w", "2")
    assert result.code == 0
    assert_golden("pool_max_2x2.term", result.out)


def test_golden_markdown(cli):
    result = cli("pool", "1 2 3; 4 5 6; 7 8 9", "-w", "2", "-p", "1", "--mode", "avg", "--format", "md")
    assert result.code == 0
    assert_golden("pool_avg_padding.md", result.out)


def test_ceil_and_no_count_include_pad_from_the_command_line(cli):
    result = cli(
        "pool",
        "1 2 3; 4 5 6; 7 8 9",
        "-w",
        "2",
        "-p",
        "1",
        "--mode",
        "avg",
        "--ceil",
        "--no-count-include-pad",
        "--json",
    )
    pooled = json.loads(result.out)["answers"]["pooled"]
    plane = np.arange(1, 10, dtype=float).reshape(3, 3)
    assert np.allclose(pooled, brute_pool(plane, (2, 2), (2, 2), (1, 1), "avg", True, False))


def test_max_pooling_marks_each_window_maximum():
    solution = pool.solve(pool.Given(map="1 9; 3 4", window=2))
    source_view = solution["pooled"].views[0]
    assert source_view.marks == ((0, 1),)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("1 2; 3 4", "-w", "3"), "pooling window 3x3 is larger than the map's height (2 + padding 0 = 2)"),
        (("1 2; 3", "-w", "1"), "map: row 2 has 1 entry but row 1 has 2"),
        (("1 2; 3 y", "-w", "1"), "map: row 2, column 2 ('y') is not a number"),
        (("nowhere.csv", "-w", "1"), "cannot read the map file 'nowhere.csv'"),
        (("1 2; 3 4", "-w", "2", "--mode", "median"), "--mode 'median': expected max, avg or min"),
        (("1 2; 3 4", "-w", "2", "-p", "2"), "more than half the window"),
    ],
)
def test_bad_input(cli, args, message):
    result = cli("pool", *args)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnsolve: error: ")
    assert message in lines[0]
