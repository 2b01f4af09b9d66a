"""Grids of numbers, the cells every map, sequence and batch figure is drawn with.

A value is drawn as planes (C × H × W: channels side by side; a matrix is one
plane, a vector one row).  A long axis is elided so that a page holds it: its
first cells, a ``⋯`` slot, and its last cell, as the worked lines show the first
cells of a large map.  Drawers say how each cell is filled and what it reads;
``Grid.at`` tells where a cell went (or that it was elided), for the marks and
outlines a drawer adds on top.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solver.graph.values import format_number
from solver.render.figures.svg import FAINT, Drawing

CELL = 26
GAP = 24
#: Longer than this, an axis shows its first ``LONGEST - 2`` cells, a ``⋯`` slot and its last cell.
LONGEST = 12
SIZE = 10

Cell = tuple[int, int, int]


def planes_of(value: object) -> np.ndarray:
    """C × H × W planes: a matrix is one plane, a vector one row, a number one cell."""
    array = np.asarray(value, dtype=float)
    while array.ndim < 3:
        array = array[None]
    return array.reshape(-1, *array.shape[-2:]) if array.ndim > 3 else array


def shown_indices(length: int, longest: int = LONGEST) -> list[int | None]:
    """The indices an axis of ``length`` draws (at most ``longest``), ``None`` standing for the elided run."""
    if length <= longest:
        return list(range(length))
    return [*range(longest - 2), None, length - 1]


def number(value: float) -> str:
    """A cell's number; NaN marks a cell that holds none (padding that pooling never reads)."""
    return "" if np.isnan(value) else format_number(float(value))


def cell_width(planes: np.ndarray, text: Callable[[Cell], str] | None = None) -> float:
    """Wide enough for the longest text of a cell (a sans-serif character is about 0.6 em)."""
    read = text or (lambda cell: number(planes[cell]))
    rows, cols = shown_indices(planes.shape[1]), shown_indices(planes.shape[2])
    longest = max(
        (
            len(read((c, r, q)))
            for c in range(planes.shape[0])
            for r in rows
            for q in cols
            if r is not None and q is not None
        ),
        default=1,
    )
    return max(CELL, 0.6 * SIZE * longest + 8)


@dataclass(frozen=True)
class Grid:
    """Where a drawn grid stands: its corner, its cells' size, and the indices each axis shows."""

    x: float
    y: float
    cell: float
    channels: int
    rows: list[int | None]
    cols: list[int | None]

    @property
    def plane_width(self) -> float:
        return len(self.cols) * self.cell

    @property
    def width(self) -> float:
        return self.channels * self.plane_width + (self.channels - 1) * GAP / 2

    @property
    def height(self) -> float:
        return len(self.rows) * CELL

    def left(self, channel: int) -> float:
        return self.x + channel * (self.plane_width + GAP / 2)

    def at(self, cell: Cell) -> tuple[float, float] | None:
        """The top-left corner of a cell, None when its row or column is elided."""
        channel, row, col = cell
        if row not in self.rows or col not in self.cols:
            return None
        return self.left(channel) + self.cols.index(col) * self.cell, self.y + self.rows.index(row) * CELL


def layout(x: float, y: float, planes: np.ndarray, cell: float = CELL, room: float | None = None) -> Grid:
    """Where the planes go; with ``room``, a plane of wide cells shows fewer columns, so that it is no wider."""
    columns = LONGEST if room is None else min(LONGEST, max(3, int(room // cell)))
    return Grid(x, y, cell, planes.shape[0], shown_indices(planes.shape[1]), shown_indices(planes.shape[2], columns))


def draw(
    drawing: Drawing,
    x: float,
    y: float,
    planes: np.ndarray,
    *,
    fill: Callable[[Cell], str] = lambda cell: "white",
    text: Callable[[Cell], str] | None = None,
    ink: Callable[[Cell], str] = lambda cell: "#222",
    cell: float = CELL,
    room: float | None = None,
) -> Grid:
    """The planes side by side from (x, y), each cell filled and written as the drawer says (its number by default)."""
    read = text or (lambda at: number(planes[at]))
    grid = layout(x, y, planes, cell, room)
    for c in range(grid.channels):
        for slot_r, r in enumerate(grid.rows):
            for slot_q, q in enumerate(grid.cols):
                left, top = grid.left(c) + slot_q * cell, y + slot_r * CELL
                if r is None or q is None:
                    drawing.text(left + cell / 2, top + CELL / 2, "⋮" if r is None else "⋯", size=SIZE, fill=FAINT)
                    continue
                drawing.rect(left, top, cell, CELL, fill=fill((c, r, q)), stroke=FAINT)
                words = read((c, r, q))
                if words:
                    drawing.text(left + cell / 2, top + CELL / 2, words, size=SIZE, fill=ink((c, r, q)))
    return grid


def outline(drawing: Drawing, grid: Grid, first: Cell, last: Cell, *, stroke: str, dashed: bool = False) -> None:
    """A frame around the cells from ``first`` to ``last`` (inclusive) of one plane, as far as they are drawn."""
    channel = first[0]
    rows = [r for r in grid.rows if r is not None and first[1] <= r <= last[1]]
    cols = [q for q in grid.cols if q is not None and first[2] <= q <= last[2]]
    if not rows or not cols:
        return
    (left, top), (right, bottom) = grid.at((channel, rows[0], cols[0])), grid.at((channel, rows[-1], cols[-1]))  # type: ignore[misc]
    drawing.rect(
        left - 1.5, top - 1.5, right - left + grid.cell + 3, bottom - top + CELL + 3, stroke=stroke, dashed=dashed
    )
