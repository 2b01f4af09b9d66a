"""Batch and layer normalization, and dropout: the batch as a grid, what is normalized or dropped marked on it.

A batch is drawn examples × features, as the kinds read it.  Normalization frames
the groups its statistics are taken over (each column for batch norm, each row for
layer norm) with each group's mean and variance beside it, then the normalized
values and the output, scaled and shifted.  Dropout draws the input, the mask with
its dropped cells crossed, and the output scaled by 1/(1 − p).  Every number in
the key is a step's own value; the handout draws the given data (and the frames and
the crossed mask, which are given too), with empty cells for the statistics asked.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from solver.graph.names import rename
from solver.render.figures import grids
from solver.render.figures.figure import Figure
from solver.render.figures.grids import CELL, GAP, cell_width, number, planes_of
from solver.render.figures.maps import Named
from solver.render.figures.svg import KEY, MARK, PADDING, Drawing

if TYPE_CHECKING:
    from solver.graph.steps import Solution

#: Room for a grid's name above it, and for an arrow between two grids.
TITLE, ARROW = 30, 44
#: A dropped unit's cross: dark enough to read, not the key's colour (the mask is given data).
CROSS = "#555"


def _row_of(value: object, count: int) -> np.ndarray:
    return np.asarray(value, dtype=float).reshape(-1)[:count]


def normalized(solution: Solution, key: bool) -> list[Figure]:
    """x with its groups framed, each group's mean and variance, then x̂ and y (the key)."""
    named = partial(rename, notation=solution.notation)
    by_column = solution.kind == "batchnorm"
    x = np.asarray(solution["x"].value, dtype=float)
    group = "each feature (column) over the batch" if by_column else "each example (row) over its features"
    caption = f"{named('x')}: {group} normalized with its {named('mean')} and {named('var')}"
    caption += f", then {named('x_hat')} and {named('y')}" if key else ""
    shown = ["x_hat", "y"] if key else []
    planes = [planes_of(x)] + [planes_of(solution[name].value) for name in shown]
    stats = np.stack([_row_of(solution[s].value, x.shape[1 if by_column else 0]) for s in ("mean", "var")])
    stats_planes = planes_of(stats if by_column else stats.T)
    width = max(cell_width(p) for p in [*planes, stats_planes, planes_of(solution["gamma"].value)])
    drawing = Drawing(0, 0, caption)
    x_grid = _titled(drawing, GAP / 2, named("x"), planes[0], width)
    _frames(drawing, x_grid, x.shape, by_column)
    right, bottom = _statistics(drawing, x_grid, stats_planes, by_column, named, key)
    for name, plane in zip(shown, planes[1:], strict=True):
        drawing.line(
            right + 8, x_grid.y + x_grid.height / 2, right + ARROW - 8, x_grid.y + x_grid.height / 2, arrow=True
        )
        grid = _titled(drawing, right + ARROW, named(name), plane, width)
        right = grid.x + grid.width
    # γ and β are per feature: a row each, under the last grid.
    for n, name in enumerate(("gamma", "beta")):
        row = planes_of(solution[name].value)
        top = bottom + 12 + n * (CELL + 6)
        left = right - grids.layout(0, 0, row, width).width
        drawing.text(left - 6, top + CELL / 2, named(name), size=11, anchor="end")
        grids.draw(drawing, left, top, row, cell=width)
    drawing.width, drawing.height = right + GAP / 2, bottom + 12 + 2 * (CELL + 6) + 6
    return [Figure("normalized", caption, drawing)]


def _titled(drawing: Drawing, x: float, title: str, plane: np.ndarray, width: float, **paint: object) -> grids.Grid:
    drawing.text(x, TITLE / 2, title, size=11, anchor="start")
    return grids.draw(drawing, x, TITLE, plane, cell=width, **paint)  # type: ignore[arg-type]


def _frames(drawing: Drawing, grid: grids.Grid, shape: tuple[int, ...], by_column: bool) -> None:
    """One frame per group the statistics are taken over."""
    rows, cols = shape
    for n in range(cols if by_column else rows):
        first, last = ((0, 0, n), (0, rows - 1, n)) if by_column else ((0, n, 0), (0, n, cols - 1))
        grids.outline(drawing, grid, first, last, stroke=KEY)


def _statistics(
    drawing: Drawing, x_grid: grids.Grid, stats: np.ndarray, by_column: bool, named: Named, key: bool
) -> tuple[float, float]:
    """The means and variances under their columns or beside their rows; return the right and bottom edges used."""
    text: Callable[[grids.Cell], str] = (lambda cell: number(stats[cell])) if key else (lambda cell: "")
    labels = [named("mean"), named("var")]
    if by_column:
        top = x_grid.y + x_grid.height + 8
        grid = grids.draw(drawing, x_grid.x, top, stats, text=text, ink=lambda cell: KEY, cell=x_grid.cell)
        for n, label in enumerate(labels):
            drawing.text(x_grid.x + x_grid.width + 6, top + n * CELL + CELL / 2, label, size=11, anchor="start")
        return x_grid.x + x_grid.width + 40, grid.y + grid.height
    left = x_grid.x + x_grid.width + 12
    grid = grids.draw(drawing, left, x_grid.y, stats, text=text, ink=lambda cell: KEY, cell=x_grid.cell)
    for n, label in enumerate(labels):
        drawing.text(left + n * grid.cell + grid.cell / 2, x_grid.y - 8, label, size=11)
    return grid.x + grid.width, x_grid.y + x_grid.height


def dropped(solution: Solution, key: bool) -> list[Figure]:
    """x, the mask with its dropped cells crossed, and (the key) y, the kept values scaled."""
    named = partial(rename, notation=solution.notation)
    x, mask = planes_of(solution["x"].value), planes_of(solution["mask"].value)
    p = float(solution["p"].value)
    caption = f"{named('x')} and {named('mask')}: the crossed units are dropped (p = {number(p)})"
    shown = [("x", x), ("mask", mask)]
    if key:
        scale = float(solution["scale"].value)
        caption += f"; {named('y')} keeps the others, scaled by 1/(1 − p) = {number(scale)}"
        shown.append(("y", planes_of(solution["y"].value)))
    width = max(cell_width(plane) for _, plane in shown)
    drawing = Drawing(0, 0, caption)
    left = GAP / 2
    for n, (name, plane) in enumerate(shown):
        if n:
            middle = TITLE + grids.layout(0, 0, plane).height / 2
            if name == "mask":
                drawing.text(left + ARROW / 2, middle, "⊙", size=16)
            else:
                drawing.text(left + ARROW / 2, middle - 10, f"× {number(scale)}", size=12)
                drawing.line(left + 8, middle, left + ARROW - 8, middle, arrow=True)
            left += ARROW
        grid = _titled(drawing, left, named(name), plane, width, fill=partial(_dropout_fill, mask, name))
        if name == "mask":
            _crosses(drawing, grid, mask)
        left = grid.x + grid.width
    drawing.width, drawing.height = left + GAP / 2, TITLE + grids.layout(0, 0, x).height + 12
    return [Figure("dropout", caption, drawing)]


def _dropout_fill(mask: np.ndarray, name: str, cell: grids.Cell) -> str:
    """The mask's kept units marked; a dropped unit shaded on the mask and the output."""
    if mask[cell] == 0:
        return PADDING if name != "x" else "white"
    return MARK if name == "mask" else "white"


def _crosses(drawing: Drawing, grid: grids.Grid, mask: np.ndarray) -> None:
    for cell in zip(*np.nonzero(mask == 0), strict=True):
        corner = grid.at(tuple(int(i) for i in cell))  # type: ignore[arg-type]
        if corner is not None:
            x, y = corner
            drawing.line(x + 3, y + 3, x + grid.cell - 3, y + CELL - 3, stroke=CROSS)
            drawing.line(x + grid.cell - 3, y + 3, x + 3, y + CELL - 3, stroke=CROSS)
