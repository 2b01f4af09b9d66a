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
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from solver.render.figures import grids
from solver.render.figures.figure import Figure
from solver.render.figures.grids import CELL, GAP, cell_width, number, planes_of
from solver.render.figures.maps import ROW_WIDTH, Named
from solver.render.figures.names import namer
from solver.render.figures.svg import KEY, MARK, PADDING, Drawing

if TYPE_CHECKING:
    from solver.graph.steps import Solution

#: Room for a grid's name above it, and for an arrow between two grids.
TITLE, ARROW = 30, 44
#: A dropped unit's cross: dark enough to read, not the key's colour (the mask is given data).
CROSS = "#555"


@dataclass(frozen=True)
class Block:
    """One grid of a figure with what goes around it: drawn with its grid's corner at (x, y)."""

    title: str
    #: The room it takes beyond the title: its grid and what is drawn beside or under it.
    width: float
    height: float
    draw: Callable[[Drawing, float, float], object]
    #: What leads into it from the block before: an operator, or an arrow with words over it.
    operator: str = ""
    arrow: str | None = None


def _placed(drawing: Drawing, blocks: list[Block]) -> tuple[float, float, float]:
    """The blocks in a row joined by their operators and arrows, or one under another when a row is too wide.

    Return the last block's left edge and the right and bottom edges of everything drawn.
    """
    in_row = sum(b.width for b in blocks) + ARROW * (len(blocks) - 1) + GAP <= ROW_WIDTH
    x, y, right, bottom, last = GAP / 2, 0.0, 0.0, 0.0, GAP / 2
    for n, block in enumerate(blocks):
        title = block.title
        if n and in_row:
            middle = TITLE + CELL / 2
            if block.arrow is not None:
                drawing.text(x + ARROW / 2, middle - 10, block.arrow, size=12)
                drawing.line(x + 8, middle, x + ARROW - 8, middle, arrow=True)
            else:
                drawing.text(x + ARROW / 2, middle, block.operator, size=16)
            x += ARROW
        elif n:  # one under another: the operator or the arrow's words go into the title
            x, y = GAP / 2, bottom + 8
            title = (
                f"{block.operator} {title}" if block.operator else f"{title} ({block.arrow})" if block.arrow else title
            )
        drawing.text(x, y + TITLE / 2, title, size=11, anchor="start")
        block.draw(drawing, x, y + TITLE)
        right, bottom, last = max(right, x + block.width), max(bottom, y + TITLE + block.height), x
        x += block.width
    return last, right, bottom


def normalized(solution: Solution, key: bool) -> list[Figure]:
    """x with its groups framed, each group's mean and variance, then x̂ and y (the key)."""
    named = namer(solution.notation)
    by_column = solution.kind == "batchnorm"
    x = np.asarray(solution["x"].value, dtype=float)
    group = "each feature (column) over the batch" if by_column else "each example (row) over its features"
    caption = f"{named('x')}: {group} normalized with its {named('mean')} and {named('var')}"
    caption += f", then {named('x_hat')} and {named('y')}" if key else ""
    shown = ["x_hat", "y"] if key else []
    planes = [planes_of(x)] + [planes_of(solution[name].value) for name in shown]
    # The handout's statistics are empty cells: their shape comes from x, never from a computed value.
    count = x.shape[1 if by_column else 0]
    stats = np.stack(
        [np.asarray(solution[s].value, dtype=float).reshape(count) if key else np.zeros(count) for s in ("mean", "var")]
    )
    stats_planes = planes_of(stats if by_column else stats.T)
    width = max(cell_width(p) for p in [*planes, stats_planes, planes_of(solution["gamma"].value)])
    stats_size = grids.layout(0, 0, stats_planes, width)
    # Every grid shows the same columns, as many as fit beside the statistics.
    room = ROW_WIDTH - 2 * GAP - (40 if by_column else 12 + stats_size.width)
    x_size = grids.layout(0, 0, planes[0], width, room)

    def draw_x(drawing: Drawing, left: float, top: float) -> None:
        grid = grids.draw(drawing, left, top, planes[0], cell=width, room=room)
        _frames(drawing, grid, x.shape, by_column)
        _statistics(drawing, grid, stats_planes, by_column, named, key)

    blocks = [
        Block(
            named("x"),
            x_size.width + (40 if by_column else 12 + stats_size.width),
            x_size.height + (8 + stats_size.height if by_column else 0),
            draw_x,
        )
    ]
    for name, plane in zip(shown, planes[1:], strict=True):
        size = grids.layout(0, 0, plane, width, room)
        draw = partial(grids.draw, planes=plane, cell=width, room=room)
        blocks.append(Block(named(name), size.width, size.height, draw, arrow=""))
    drawing = Drawing(0, 0, caption)
    last, right, bottom = _placed(drawing, blocks)
    # γ and β are per feature: a row each, under the last grid's columns.
    row_width = grids.layout(0, 0, planes_of(solution["gamma"].value), width, room).width
    for n, name in enumerate(("gamma", "beta")):
        top = bottom + 12 + n * (CELL + 6)
        grids.draw(drawing, last, top, planes_of(solution[name].value), cell=width, room=room)
        drawing.text(last + row_width + 6, top + CELL / 2, named(name), size=11, anchor="start")
    drawing.width = max(right, last + row_width + 50) + GAP / 2
    drawing.height = bottom + 12 + 2 * (CELL + 6) + 6
    return [Figure("normalized", caption, drawing)]


def _frames(drawing: Drawing, grid: grids.Grid, shape: tuple[int, ...], by_column: bool) -> None:
    """One frame per group the statistics are taken over."""
    rows, cols = shape
    for n in range(cols if by_column else rows):
        first, last = ((0, 0, n), (0, rows - 1, n)) if by_column else ((0, n, 0), (0, n, cols - 1))
        grids.outline(drawing, grid, first, last, stroke=KEY)


def _statistics(
    drawing: Drawing, x_grid: grids.Grid, stats: np.ndarray, by_column: bool, named: Named, key: bool
) -> None:
    """The means and variances under their columns, or beside their rows."""
    text: Callable[[grids.Cell], str] = (lambda cell: number(stats[cell])) if key else (lambda cell: "")
    labels = [named("mean"), named("var")]
    if by_column:
        top = x_grid.y + x_grid.height + 8
        grids.draw(drawing, x_grid.x, top, stats, text=text, ink=lambda cell: KEY, cell=x_grid.cell)
        for n, label in enumerate(labels):
            drawing.text(x_grid.x + x_grid.width + 6, top + n * CELL + CELL / 2, label, size=11, anchor="start")
        return
    left = x_grid.x + x_grid.width + 12
    grid = grids.draw(drawing, left, x_grid.y, stats, text=text, ink=lambda cell: KEY, cell=x_grid.cell)
    for n, label in enumerate(labels):
        drawing.text(left + n * grid.cell + grid.cell / 2, x_grid.y - 8, label, size=11)


def dropped(solution: Solution, key: bool) -> list[Figure]:
    """x, the mask with its dropped cells crossed, and (the key) y, the kept values scaled."""
    named = namer(solution.notation)
    x, mask = planes_of(solution["x"].value), planes_of(solution["mask"].value)
    p = float(solution["p"].value)
    caption = f"{named('x')} and {named('mask')}: the crossed units are dropped (p = {number(p)})"
    shown = [("x", x, ""), ("mask", mask, "⊙")]
    if key:
        scale = float(solution["scale"].value)
        caption += f"; {named('y')} keeps the others, scaled by 1/(1 − p) = {number(scale)}"
        shown.append(("y", planes_of(solution["y"].value), f"× {number(scale)}"))
    width = max(cell_width(plane) for _, plane, _ in shown)
    room = ROW_WIDTH - 2 * GAP

    def draw(name: str, plane: np.ndarray, drawing: Drawing, left: float, top: float) -> None:
        grid = grids.draw(drawing, left, top, plane, fill=partial(_dropout_fill, mask, name), cell=width, room=room)
        if name == "mask":
            _crosses(drawing, grid, mask)

    blocks = []
    for name, plane, joint in shown:
        size = grids.layout(0, 0, plane, width, room)
        arrow = joint if name == "y" else None
        blocks.append(
            Block(named(name), size.width, size.height, partial(draw, name, plane), joint if not arrow else "", arrow)
        )
    drawing = Drawing(0, 0, caption)
    _, right, bottom = _placed(drawing, blocks)
    drawing.width, drawing.height = right + GAP / 2, bottom + 12
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
