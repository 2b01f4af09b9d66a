"""What every format draws of a ``Grid`` view: its planes, its caption and the cells that fit.

A grid names a map and the cells to mark (the patch or cell being computed, the max
of each pooling window).  Marked cells are bracketed, so that they show without
colour too.  A large map is drawn by its top-left corner; its value is always the
whole map.  How the cells look (coloured, bold, filled) is each format's own.
"""

from __future__ import annotations

import numpy as np

from solver.graph.blocks import Grid
from solver.graph.values import format_number

#: Rows and columns drawn at most; a larger map shows its top-left corner.
MAX_DRAWN = 8
#: Channels drawn at most.
MAX_CHANNELS = 3


def planes(view: Grid) -> list[tuple[str, np.ndarray, set[tuple[int, int]]]]:
    """(channel caption, 2-D grid, marked cells) for each channel drawn."""
    grid = np.asarray(view.grid, dtype=float)
    if grid.ndim == 1:
        grid = grid[None, :]
    if grid.ndim == 2:
        return [("", grid, {(m[0], m[1]) for m in view.marks})]
    drawn = []
    for c, plane in enumerate(grid[:MAX_CHANNELS]):
        marks = {(m[-2], m[-1]) for m in view.marks if len(m) == 2 or m[0] == c}
        drawn.append((f"channel {c + 1}", plane, marks))
    return drawn


def caption(view: Grid, grid: np.ndarray) -> str:
    shape = "×".join(str(n) for n in np.shape(view.grid))
    cropped = grid.shape[0] > MAX_DRAWN or grid.shape[1] > MAX_DRAWN
    return f"{view.title} ({shape}{', top-left corner' if cropped else ''})"


def _cell_text(x: float, marked: bool) -> str:
    return f"[{format_number(float(x))}]" if marked else format_number(float(x))


def cell_rows(grid: np.ndarray, marks: set[tuple[int, int]]) -> list[list[str]]:
    """The drawn cells as text, marked ones bracketed, with '…' and '⋮' where the map goes on."""
    rows = [
        [_cell_text(grid[r, c], (r, c) in marks) for c in range(min(grid.shape[1], MAX_DRAWN))]
        + (["…"] if grid.shape[1] > MAX_DRAWN else [])
        for r in range(min(grid.shape[0], MAX_DRAWN))
    ]
    if grid.shape[0] > MAX_DRAWN:
        rows.append(["⋮"] * len(rows[0]))
    return rows
