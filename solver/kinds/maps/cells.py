"""Feature maps worked cell by cell, as the notes write them.

The values come from ``solver.math.sliding`` in one vectorized pass; this module
only writes the work of the first cells (a patch, its products, their sum)
and says how many more follow, so that the text stays the same length
whatever the size of the image.
"""

from __future__ import annotations

import numpy as np

from solver.graph.blocks import Block, Math, ProductSum, Sentence
from solver.graph.names import entry_name
from solver.graph.values import format_array, format_number, format_term
from solver.math.sliding import PoolLayout, PoolMode

#: A map with at most this many cells is worked in full; a larger one shows its first cells.
FULL_CELLS = 16
#: Cells worked in full on a larger map.
FIRST_CELLS = 4


def number(x: float) -> str:
    return format_number(float(x))


def bracketed(x: float) -> str:
    """A number as a factor in a product: negatives in parentheses, as the notes write (5)(-1)."""
    return f"({number(x)})"


def shown_cells(shape: tuple[int, ...]) -> tuple[list[tuple[int, ...]], int]:
    """The cells worked in full (row-major) and how many are left unshown."""
    total = int(np.prod(shape))
    count = total if total <= FULL_CELLS else FIRST_CELLS
    return [tuple(int(i) for i in np.unravel_index(n, shape)) for n in range(count)], total - count


def rest_line(left: int, what: str) -> list[Block]:
    if not left:
        return []
    return [Sentence(f"… {left:,} more cells, each {what}; the whole map is the value above")]


def conv_cell_lines(
    name: str,
    padded: np.ndarray,
    kernel: np.ndarray,
    bias: float | None,
    feature_map: np.ndarray,
    stride: tuple[int, int],
    dilation: tuple[int, int],
    first_channel: int = 0,
    sequence: bool = False,
) -> list[Block]:
    """The work of the first cells of one feature map: patch, products, sum (and bias).

    ``padded`` holds the channels the kernel reads, the first of them numbered ``first_channel`` (from 0).
    A ``sequence``'s map is one row, its cells named by their position alone.
    """
    cells, left = shown_cells(feature_map.shape)
    reach = [d * (k - 1) + 1 for k, d in zip(kernel.shape[-2:], dilation, strict=True)]
    lines: list[Block] = []
    if sequence:  # a window along a sequence is written as a row of numbers, not a 1 x K matrix
        kernel = kernel[:, 0]
    for cell in cells:
        top, left_col = cell[0] * stride[0], cell[1] * stride[1]
        patch = padded[:, top : top + reach[0] : dilation[0], left_col : left_col + reach[1] : dilation[1]]
        if sequence:
            patch = patch[:, 0]
        label = "{" + entry_name(name, cell[1:] if sequence else cell) + "}"  # a name: each format shows it its way
        if patch.shape[0] == 1:
            lines.append(ProductSum(label, patch[0], kernel[0], bias))
            continue
        lines += [
            ProductSum(f"{label} channel {c}", p, k)
            for c, (p, k) in enumerate(zip(patch, kernel, strict=True), first_channel + 1)
        ]
        sums = [float((p * k).sum()) for p, k in zip(patch, kernel, strict=True)]
        work = "sum over channels: " + " + ".join(format_term(s) for s in sums) + f" = {number(sum(sums))}"
        if bias is not None:
            work += f"; + bias {bracketed(bias)} = {number(feature_map[cell])}"
        lines.append(Math(work, label=label))
    return lines + rest_line(left, "the same sum of products")


def pool_cell_lines(
    name: str,
    planes: np.ndarray,
    pooled: np.ndarray,
    layout: PoolLayout,
    mode: PoolMode,
    count_include_pad: bool,
    flat: bool,
) -> list[Block]:
    """The first windows of a pooling: the window, and its max/min or its sum over the divisor.

    ``planes`` is C×H×W; a ``flat`` map (H×W) names its cells without the channel.
    """
    fill = {"max": -np.inf, "min": np.inf, "avg": 0.0}[mode]
    extended = layout.extend(planes, fill, fill)
    counted = layout.counted(count_include_pad)
    cells, left = shown_cells(pooled.shape)
    lines: list[Block] = []
    for cell in cells:
        *channel, row, col = cell
        top, left_col = row * layout.stride[0], col * layout.stride[1]
        rows, cols = slice(top, top + layout.window[0]), slice(left_col, left_col + layout.window[1])
        window = extended[(*channel, rows, cols)]
        shown = {style: format_array(window.tolist(), style) for style in ("text", "latex")}
        if mode == "avg":
            mask = counted[rows, cols] > 0
            terms = " + ".join(format_term(x) for x in window[mask])
            work = f"avg = ({terms}) / {int(mask.sum())} = {number(pooled[cell])}"
            latex = rf"\operatorname{{avg}} = \frac{{{terms}}}{{{int(mask.sum())}}} = {number(pooled[cell])}"
        else:
            work = f"{mode} = {number(pooled[cell])}"
            latex = rf"\{mode} = {number(pooled[cell])}"
        label = "{" + entry_name(name, (row, col) if flat else cell) + "}"
        lines.append(Math(f"window {shown['text']} → {work}", rf"{shown['latex']} \to {latex}", label))
    return lines + rest_line(left, f"the {mode} of its window")


def divisor_note(layout: PoolLayout, count_include_pad: bool) -> str:
    """Which cells average pooling divides by (PyTorch's count_include_pad)."""
    k = layout.window[0] * layout.window[1]
    if layout.padding == (0, 0) and not any(layout.overhang):
        return f"each window averages its {k} cells"
    if count_include_pad:
        return (
            f"count_include_pad: padding zeros count, so a full window divides by {k}; "
            "cells past the padding (ceil mode) never count"
        )
    return "count_include_pad off: each window divides by its number of real (unpadded) cells"
