"""Kind ``pool``: max, average or min pooling of a map, window by window.

Stride defaults to the window.  Max (min) pooling pads with −∞ (+∞), so a
padding cell is never chosen; average pooling pads with zeros and divides as
PyTorch does (``count_include_pad``, default true).  ``add_pooling`` is also
how the ``conv`` kind pools its feature maps.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any, ClassVar, Literal

import numpy as np

from solver.files.matrices import MatrixData, matrix_from_data
from solver.graph.blocks import Grid
from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Solution, Step, Variant
from solver.kinds import GIVEN_CONFIG
from solver.kinds.maps.cells import divisor_note, pool_cell_lines
from solver.math.limits import MAX_WINDOW_WORK, require_at_most
from solver.math.sizes import SizeText
from solver.math.sliding import PoolLayout, PoolMode, chosen_cells, pool
from solver.math.windows import Axis, add_output_step, add_window_steps, pool_window

KIND = "pool"


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    map: MatrixData
    """The map to pool: rows (H x W) or channels (C x H x W); '1 0; 0 1', nested lists or a .txt/.csv/.npy path."""
    window: SizeText
    """Pooling window: 2 or 2x3."""
    stride: SizeText | None = None
    """Stride: defaults to the window."""
    padding: SizeText = 0
    """Padding on each side (at most half the window, as in PyTorch)."""
    mode: Literal["max", "avg", "min"] = "max"
    """max, avg (average) or min."""
    ceil: bool = False
    """Ceil mode: a partial window at the end counts (PyTorch's ceil_mode)."""
    count_include_pad: bool = True
    """Average pooling: padding zeros count in the divisor (PyTorch's default)."""


MODE_WORDS = {"max": "maximum", "min": "minimum", "avg": "average"}


def read_map(data: MatrixData, what: str) -> np.ndarray:
    """A map (H x W or C x H x W) from a field; a single row of numbers is a 1 x N map, as the notes draw it."""
    return np.atleast_2d(matrix_from_data(data, what))


def as_planes(array: np.ndarray) -> np.ndarray:
    """(C, H, W) from a vector (one row), a matrix or channels."""
    return array.reshape((1,) * (3 - array.ndim) + array.shape)


def pool_layout(
    in_size: tuple[int, int], window: Any, stride: Any, padding: Any, ceil: bool, field_prefix: str = ""
) -> PoolLayout:
    """Check the window settings against the map and place the windows."""
    win, step, pad = pool_window(window, stride, padding, field_prefix)
    for n, k, p, axis in zip(in_size, win, pad, ("height", "width"), strict=True):
        if k > n + 2 * p:
            raise InputError(
                f"the pooling window {win[0]}x{win[1]} is larger than the map's {axis} "
                f"({n} + padding {2 * p} = {n + 2 * p}); expected a window that fits",
                field=f"{field_prefix}window",
            )
    layout = PoolLayout.of(in_size, win, step, pad, ceil)
    work = prod(layout.out_size) * prod(win)
    require_at_most(work, MAX_WINDOW_WORK, "comparisons of the pooling (output cells × window cells)", "window")
    return layout


def add_pooling(
    solution: Solution,
    source: str,
    name: str,
    layout: PoolLayout,
    mode: PoolMode,
    count_include_pad: bool = True,
) -> np.ndarray:
    """The ``name`` step: ``source``'s value pooled window by window, with its work and pictures."""
    planes = as_planes(np.asarray(solution[source].value, dtype=float))
    flat = planes.ndim == 3 and planes.shape[0] == 1 and np.ndim(solution[source].value) < 3

    def pooled_of(
        value: Any, where: PoolLayout = layout, include: bool = count_include_pad, how: PoolMode = mode
    ) -> np.ndarray:
        result = pool(as_planes(np.asarray(value, dtype=float)), where, how, include)
        return result[0] if flat else result

    variants = []
    if layout.stride != (1, 1):
        stride_one = PoolLayout.of(layout.in_size, layout.window, (1, 1), layout.padding, layout.ceil)
        variants.append(
            Variant(
                "pool_stride_one",
                "Pooling windows move by the window size unless a stride is given, not by 1.",
                lambda value: pooled_of(value, stride_one),
            )
        )
    if mode == "avg" and (layout.padding != (0, 0) or any(layout.overhang)):
        variants.append(
            Variant(
                "avg_divisor_without_padding" if count_include_pad else "avg_divisor_with_padding",
                "Average pooling here divides by the whole window, padding zeros included (count_include_pad)."
                if count_include_pad
                else "Average pooling here divides by the real cells only: padding zeros do not count.",
                lambda value: pooled_of(value, layout, not count_include_pad),
            )
        )
    variants += [
        Variant(name, feedback, lambda value, other=other: pooled_of(value, how=other))
        for asked, other, name, feedback in MODE_SLIPS
        if asked == mode
    ]
    k_h, k_w = layout.window
    stride = "" if layout.stride == layout.window else f", stride {layout.stride[0]}×{layout.stride[1]}"
    word = {"avg": "mean"}.get(mode, mode)
    pooled = solution.add(
        Step(
            name,
            f"{k_h}×{k_w} {MODE_WORDS[mode]} pooling{stride}: each window gives one cell",
            deps=(source,),
            compute=pooled_of,
            formula=Template(
                f"{word}pool({{{source}}})", rf"\operatorname{{{word}pool}}_{{{k_h} \times {k_w}}}({{{source}}})"
            ),
            note=_pool_note(layout, mode, count_include_pad),
            variants=tuple(variants),
        )
    )
    step = solution[name]
    pooled_planes = as_planes(np.asarray(pooled))
    step.detail = pool_cell_lines(name, planes, pooled_planes, layout, mode, count_include_pad, flat)
    marks: tuple[tuple[int, ...], ...] = ()
    if mode != "avg":
        cells = chosen_cells(planes, layout, mode)
        marks = tuple(
            tuple(int(i) for i in (c, *cell)) for c, plane in enumerate(cells) for cell in plane.reshape(-1, 2)
        )
        if flat:
            marks = tuple(mark[1:] for mark in marks)
    step.views = (
        Grid(f"{{{source}}}", np.asarray(solution[source].value), marks, f"[ ] the {MODE_WORDS[mode]} of each window"),
        Grid(f"{{{name}}}", np.asarray(pooled)),
    )
    return pooled


#: The pooling a student does instead of the one asked: (asked, done instead, name, feedback).
MODE_SLIPS: tuple[tuple[PoolMode, PoolMode, str, str], ...] = (
    ("max", "avg", "average_instead_of_max", "Max pooling keeps each window's largest cell; you averaged."),
    ("avg", "max", "max_instead_of_average", "Average pooling keeps each window's mean; you took its largest cell."),
)


def _pool_note(layout: PoolLayout, mode: PoolMode, count_include_pad: bool) -> str | None:
    if mode == "avg":
        return divisor_note(layout, count_include_pad)
    if layout.padding != (0, 0) or any(layout.overhang):
        fill = "−∞" if mode == "max" else "+∞"
        return f"cells outside the map (padding, or past it in ceil mode) hold {fill}, so a window never picks one"
    return None


def solve(given: Given, title: str | None = None) -> Solution:
    array = read_map(given.map, "map")
    planes = as_planes(array)
    layout = pool_layout(planes.shape[-2:], given.window, given.stride, given.padding, given.ceil)
    shown = "×".join(map(str, array.shape))
    k_h, k_w = layout.window
    solution = Solution(KIND, title or f"{k_h}×{k_w} {MODE_WORDS[given.mode]} pooling of a {shown} map")
    solution.given("map", "the map to pool", array)
    axes = [
        Axis(n, k, s, p, p)
        for n, k, s, p in zip(layout.in_size, layout.window, layout.stride, layout.padding, strict=True)
    ]
    outs = add_window_steps(solution, axes, "window", ceil=given.ceil)
    channels = None
    if array.ndim == 3:
        channels = "C"
        solution.given(channels, "channels: pooling keeps each channel", array.shape[0])
    add_output_step(solution, outs, channels, name="output_size")
    add_pooling(solution, "map", "pooled", layout, given.mode, given.count_include_pad)
    return solution
