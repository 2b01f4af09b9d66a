"""Kind ``pad``: padding on its own, with zeros, the map's mirror image, or its edge repeated.

Three modes, as PyTorch's padding layers and ``padding_mode`` name them:

* ``zero`` (ZeroPad2d): a border of zeros;
* ``reflect`` (ReflectionPad2d): the map mirrored about its edge row or column, which is
  not repeated (``1 2 3`` padded by 2 is ``3 2 1 2 3 2 1``); the padding must be smaller
  than the map;
* ``replicate`` (ReplicationPad2d): the edge cell repeated (``1 1 1 2 3 3 3``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from solver.files.matrices import MatrixData
from solver.graph.blocks import Grid, Sentence
from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Solution, Step, Variant
from solver.graph.values import Shape
from solver.kinds import GIVEN_CONFIG
from solver.kinds.maps.pool import as_planes, read_map
from solver.math.limits import MAX_WINDOW_WORK, require_at_most
from solver.math.sizes import SizeText, parse_pair, require_non_negative
from solver.math.sliding import PadMode, pad_planes
from solver.math.windows import PAD_MODE_WORDS, check_reflect_fits

KIND = "pad"


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    map: MatrixData
    """The map to pad: rows (H x W) or channels (C x H x W); '1 0; 0 1', nested lists or a .txt/.csv/.npy path."""
    padding: SizeText
    """Cells added on each side: a number, or HxW (rows above and below x columns left and right)."""
    mode: PadMode = "zero"
    """zero, reflect (mirror, the edge not repeated) or replicate (the edge repeated)."""


def solve(given: Given, title: str | None = None) -> Solution:
    try:
        array = read_map(given.map, "map")
    except InputError as error:
        error.field = error.field or "map"
        raise
    padding = parse_pair(given.padding, "padding")
    require_non_negative(padding, "padding")
    planes = as_planes(array)
    size = (planes.shape[-2], planes.shape[-1])
    if given.mode == "reflect":
        check_reflect_fits(padding, size)
    padded_cells = planes.shape[0] * (size[0] + 2 * padding[0]) * (size[1] + 2 * padding[1])
    require_at_most(padded_cells, MAX_WINDOW_WORK, "cells of the padded map", "padding")

    shown = "×".join(map(str, array.shape))
    solution = Solution(
        KIND, title or f"{given.mode.capitalize()} padding of a {shown} map by {padding[0]}×{padding[1]}"
    )
    solution.given("map", "the map to pad", array)
    _add_size_steps(solution, size, padding, planes.shape[0] if array.ndim == 3 else None)
    pads = ((padding[0], padding[0]), (padding[1], padding[1]))
    mode = given.mode

    def padded_as(value: Any, how: str = mode) -> np.ndarray:
        array = np.asarray(value, dtype=float)
        result = pad_planes(as_planes(array), pads, mode=how)
        return result if array.ndim == 3 else result[0]

    value = solution.add(
        Step(
            "padded",
            f"{mode} padding: {PAD_MODE_WORDS[mode]}",
            deps=("map",),
            compute=padded_as,
            formula=Template(f"pad_{mode}({{map}})", rf"\operatorname{{pad}}_{{\text{{{mode}}}}}({{map}})"),
            variants=_mistakes(mode, padded_as),
        )
    )
    step = solution["padded"]
    step.detail = [Sentence(_first_row_words(mode, array, padding))] if all(padding) else []
    border = tuple(
        (r, c)
        for r in range(value.shape[-2])
        for c in range(value.shape[-1])
        if not (padding[0] <= r < padding[0] + size[0] and padding[1] <= c < padding[1] + size[1])
    )
    step.views = (Grid("{padded}", value, border, "[ ] the border the padding adds"),)
    return solution


def _add_size_steps(solution: Solution, size: tuple[int, int], padding: tuple[int, int], channels: int | None) -> None:
    solution.given("H", "map height", size[0])
    solution.given("W", "map width", size[1])
    same = padding[0] == padding[1]
    p_h, p_w = ("P", "P") if same else ("P_h", "P_w")
    solution.given(p_h, "padding on each side" if same else "rows added above and below", padding[0])
    if not same:
        solution.given(p_w, "columns added left and right", padding[1])
    holes = [f"({{H}} + 2·{{{p_h}}})", f"({{W}} + 2·{{{p_w}}})"]
    deps = ("H", "W", *dict.fromkeys((p_h, p_w)))
    if channels is not None:
        solution.given("C", "channels: each is padded alike", channels)
        holes.append("{C}")
        deps += ("C",)

    def padded_size(height: int, width: int, *rest: int) -> Shape:
        pad_h, pad_w = (rest[0], rest[0]) if same else rest[:2]
        return Shape((height + 2 * pad_h, width + 2 * pad_w, *rest[1 if same else 2 :]))

    solution.add(
        Step(
            "output_size",
            "padded size: the padding is added on both sides",
            deps=deps,
            compute=padded_size,
            formula=Template(" × ".join(holes), r" \times ".join(holes).replace("·", r" \cdot ")),
            variants=(
                Variant(
                    "padding_once",
                    "Padding goes on both sides: add 2P, not P.",
                    lambda height, width, *rest: Shape(
                        (height + rest[0], width + rest[0 if same else 1], *rest[1 if same else 2 :])
                    ),
                ),
            ),
        )
    )


def _mistakes(mode: PadMode, padded_as: Any) -> tuple[Variant, ...]:
    """The border a student fills instead: zeros for a mirror or an edge, the edge repeated for a mirror."""
    if mode == "zero":
        return ()
    zeros = Variant(
        "zeros_instead", f"{mode.capitalize()} padding copies the map's own cells into the border, not zeros.",
        lambda value: padded_as(value, "zero"),
    )  # fmt: skip
    if mode == "replicate":
        return (zeros,)
    repeated = Variant(
        "edge_repeated",
        "Reflect padding mirrors about the edge cell without repeating it: 1 2 3 becomes 2 1 2 3 2, not 1 1 2 3 3.",
        lambda value: padded_as(value, "symmetric"),
    )
    return (zeros, repeated)


def _first_row_words(mode: PadMode, array: np.ndarray, padding: tuple[int, int]) -> str:
    """The first row of the map and what it becomes, in numbers: how the mode fills the left and right."""
    row = np.asarray(array, dtype=float).reshape(-1, array.shape[-1])[0]
    padded = pad_planes(row[None, None, :], ((0, 0), (padding[1], padding[1])), mode=mode)[0, 0]
    words = " ".join(f"{x:g}" for x in row)
    return f"first row {words} → {' '.join(f'{x:g}' for x in padded)}; every row and column alike"
