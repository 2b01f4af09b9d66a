"""1-D convolution and pooling of sequences: against loops over positions, a published example, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import PROBLEMS
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.kinds.maps import conv1d, pool1d


def conv1d_by_hand(sequence, kernel, stride, padding, dilation, bias=0.0):
    """sequence (C, L), kernel (C, K): each output position sums the taps that stay inside the sequence."""
    channels, length = sequence.shape
    taps = kernel.shape[1]
    out = []
    start = -padding
    while start + dilation * (taps - 1) <= length - 1 + padding:
        total = bias
        for c in range(channels):
            for t in range(taps):
                position = start + t * dilation
                if 0 <= position < length:
                    total += sequence[c, position] * kernel[c, t]
        out.append(total)
        start += stride
    return np.array(out)


def pool1d_by_hand(row, window, stride, mode):
    starts = range(0, len(row) - window + 1, stride)
    reduce = {"max": max, "min": min, "avg": lambda w: sum(w) / len(w)}[mode]
    return [reduce(list(row[s : s + window])) for s in starts]


@st.composite
def sequences(draw):
    channels, length = draw(st.integers(1, 3)), draw(st.integers(1, 12))
    values = draw(st.lists(st.integers(-5, 5), min_size=channels * length, max_size=channels * length))
    return np.array(values, dtype=float).reshape(channels, length)


@settings(max_examples=120, deadline=None)
@given(sequences(), st.integers(1, 4), st.integers(1, 3), st.integers(0, 3), st.integers(1, 3), st.integers(0, 10**6))
def test_conv1d_matches_the_loop(sequence, taps, stride, padding, dilation, seed):
    channels, length = sequence.shape
    if dilation * (taps - 1) + 1 > length + 2 * padding:
        return
    kernel = np.random.default_rng(seed).integers(-3, 4, size=(channels, taps)).astype(float)
    flat = channels == 1
    solution = conv1d.solve(
        conv1d.Given(
            sequence=(sequence[0] if flat else sequence).tolist(),
            kernel=(kernel[0] if flat else kernel).tolist(),
            stride=stride, padding=padding, dilation=dilation, bias=0.5,
        )
    )  # fmt: skip
    expected = conv1d_by_hand(sequence, kernel, stride, padding, dilation, 0.5)
    assert np.allclose(solution["feature_map"].value, expected)
    # PyTorch's Conv1d: L_out = floor((L + 2·padding − dilation·(kernel_size − 1) − 1)/stride + 1)
    assert solution.answers["output_size"] == ((length + 2 * padding - dilation * (taps - 1) - 1) // stride + 1,)


@settings(max_examples=80, deadline=None)
@given(sequences(), st.integers(1, 4), st.integers(1, 3), st.sampled_from(["max", "avg", "min"]))
def test_pool1d_matches_the_loop(sequence, window, stride, mode):
    if window > sequence.shape[1]:
        return
    solution = pool1d.solve(pool1d.Given(sequence=sequence.tolist(), window=window, stride=stride, mode=mode))
    expected = [pool1d_by_hand(row, window, stride, mode) for row in sequence]
    assert np.allclose(solution["pooled"].value, expected)


def test_d2l_multichannel_example(cli):
    result = cli("check", PROBLEMS / "conv1d_d2l_textcnn.yaml")
    assert result.code == 0, result.out + result.err
    assert " 0 unexplained" in result.out


def test_d2l_single_channel_example(cli):
    # Dive into Deep Learning, corr1d: X = 0..6, K = [1, 2] gives 2, 5, 8, 11, 14, 17.
    result = cli("conv1d", "0 1 2 3 4 5 6", "1 2", "--json")
    assert json.loads(result.out)["answers"]["feature_map"] == [2, 5, 8, 11, 14, 17]


def test_the_work_names_positions(cli):
    result = cli("conv1d", "1 2 3 4 5 6", "1 0 -1", "-s", "2", "-p", "1")
    assert result.code == 0, result.err
    assert "feature_map[2]: patch [2, 3, 4]: (2)(1) + (3)(0) + (4)(-1) = 2 + 0 - 4 = -2" in result.out
    assert "1 position left over that no window reaches" in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["conv1d", "1 2 3", "1 2 3 4 5"], "the kernel (5) is larger than the padded input length (3 + padding 0 = 3)"),
        (["conv1d", "1 2 3; 4 5 6", "1 2"], "kernel has 1 channel but the sequence has 2"),
        (["conv1d", "1 2 3", "1 1", "-s", "2", "-p", "same"], "padding 'same' needs stride 1"),
        (["pool1d", "1 2 3", "-w", "2", "-p", "2"], "padding 2 is more than half the window 2; expected at most 1"),
        (["pool1d", "1 2 3", "-w", "4"], "--window: the pooling window 4 is longer than the sequence (3 + padding 0"),
        (["pool1d", "1 2 3", "-w", "0"], "--window: window must be a positive whole number, got 0"),
        (["pool1d", "1 2 3", "-w", "2", "-s", "0"], "--stride: stride must be a positive whole number, got 0"),
        (["pool1d", "1 2 3", "-w", "2", "-p", "-1"], "--padding: padding must be zero or more, got -1"),
        (["conv1d", "1 2 3", "1", "-s", "0"], "--stride: stride must be a positive whole number, got 0"),
        (["conv1d", "1 2 3", "1", "-d", "0"], "--dilation: dilation must be a positive whole number, got 0"),
        (["pool1d", "1 2 3", "-w", "2", "-m", "median"], "--mode 'median': expected max, avg or min"),
    ],
)
def test_bad_input_is_one_line(cli, args, message):
    result = cli(*args)
    assert result.code == 2
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnsolve: error: "), result.err
    assert message in lines[0]


def test_a_reversed_kernel_is_a_named_mistake():
    solution = conv1d.solve(conv1d.Given(sequence="0 1 2 3 4 5 6", kernel="1 2"))
    wrong = solution.evaluate(variant=("feature_map", "flipped_kernel"))["feature_map"]
    assert wrong.tolist() == conv1d_by_hand(np.arange(7.0)[None], np.array([[2.0, 1.0]]), 1, 0, 1).tolist()
