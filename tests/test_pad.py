"""Padding on its own (zero, reflect, replicate): against index loops, PyTorch's examples, as a layer, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import PROBLEMS
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.kinds.maps import pad


def source_index(i: int, size: int, mode: str) -> int | None:
    """Which cell of an axis of ``size`` the padded position ``i`` (negative before the map) copies."""
    if 0 <= i < size:
        return i
    if mode == "zero":
        return None
    if mode == "replicate":
        return 0 if i < 0 else size - 1
    return -i if i < 0 else 2 * (size - 1) - i  # reflect: mirror about the edge cell


def padded_by_hand(array: np.ndarray, pad_h: int, pad_w: int, mode: str) -> np.ndarray:
    height, width = array.shape
    out = np.zeros((height + 2 * pad_h, width + 2 * pad_w))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            row, col = source_index(r - pad_h, height, mode), source_index(c - pad_w, width, mode)
            out[r, c] = 0.0 if row is None or col is None else array[row, col]
    return out


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 5), st.integers(1, 5), st.integers(0, 4), st.integers(0, 4),
    st.sampled_from(["zero", "reflect", "replicate"]), st.integers(0, 10**6),
)  # fmt: skip
def test_padding_matches_an_index_loop(height, width, pad_h, pad_w, mode, seed):
    if mode == "reflect" and (pad_h >= height or pad_w >= width):
        return
    array = np.random.default_rng(seed).integers(-9, 10, size=(height, width)).astype(float)
    solution = pad.solve(pad.Given(map=array.tolist(), padding=f"{pad_h}x{pad_w}", mode=mode))
    assert np.array_equal(solution["padded"].value, padded_by_hand(array, pad_h, pad_w, mode))
    assert tuple(solution["output_size"].value) == (height + 2 * pad_h, width + 2 * pad_w)


@pytest.mark.parametrize("problem", ["pad_pytorch_reflection", "pad_pytorch_replication"])
def test_pytorch_examples(cli, problem):
    result = cli("check", PROBLEMS / f"{problem}.yaml")
    assert result.code == 0, result.out + result.err
    assert " 0 unexplained" in result.out


def test_channels_are_padded_alike(cli):
    result = cli("pad", "[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]", "-p", "1", "-m", "replicate", "--json")
    answers = json.loads(result.out)["answers"]
    assert answers["output_size"] == [4, 4, 2]
    assert answers["padded"][1][0] == [5, 5, 6, 6]


def test_the_named_mistakes():
    solution = pad.solve(pad.Given(map="1 2 3", padding="0x2", mode="reflect"))
    assert solution["padded"].value.tolist() == [[3, 2, 1, 2, 3, 2, 1]]
    assert solution.evaluate(variant=("padded", "edge_repeated"))["padded"].tolist() == [[2, 1, 1, 2, 3, 3, 2]]
    assert solution.evaluate(variant=("padded", "zeros_instead"))["padded"].tolist() == [[0, 0, 1, 2, 3, 0, 0]]
    assert tuple(solution.evaluate(variant=("output_size", "padding_once"))["output_size"]) == (1, 5)


def test_padding_layer_in_a_stack(cli):
    result = cli("conv-stack", "28x28x1", "pad p=2 mode=reflect", "conv k=5 n=6", "--json")
    layers = json.loads(result.out)["layers"]
    assert [layer["output"] for layer in layers] == [[32, 32, 1], [28, 28, 6]]
    assert layers[0]["params"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pad", "1 2; 3 4", "-p", "2", "-m", "reflect"],
         "reflect padding 2 needs a map larger than 2 along the height, got 2"),
        (["pad", "1 2; 3 4", "-p", "1", "-m", "mirror"], "--mode 'mirror': expected zero, reflect or replicate"),
        (["pad", "1 2; 3 4", "-p", "-1"], "padding must be zero or more"),
        (["conv-stack", "4x4x3", "pad p=4 mode=reflect"], "layer 1 (pad p=4 mode=reflect): reflect padding 4"),
        (["conv-stack", "4x4x3", "pad p=1 mode=wrap"], "padding mode 'wrap'; expected one of: zero"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line(cli, args, message):
    result = cli(*args)
    assert result.code == 2
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnsolve: error: "), result.err
    assert message in lines[0]


def test_a_convolution_reads_the_padding_its_mode_makes(cli):
    result = cli("conv", "1 2 3; 4 5 6; 7 8 9", "0 0 0; 0 0 0; 1 0 0", "-p", "1", "--padding-mode", "reflect", "--json")
    # The kernel's one tap is the patch's lower-left cell: the map read one row down and one column left.
    expected = padded_by_hand(np.arange(1, 10, dtype=float).reshape(3, 3), 1, 1, "reflect")[2:, :3]
    assert json.loads(result.out)["answers"]["feature_map"] == expected.tolist()


def test_a_convolution_refuses_an_unknown_padding_mode(cli):
    result = cli("conv", "1 2; 3 4", "1", "-p", "1", "--padding-mode", "wrap")
    assert result.code == 2
    assert result.err.strip() == "nnsolve: error: --padding-mode 'wrap': expected zero, reflect or replicate"
