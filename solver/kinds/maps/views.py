"""Feature maps drawn as grids: coloured cells in the terminal, tables in Markdown.

A step's ``views`` (``solver.kinds.maps.cells.MapView``) name a grid and the cells to
mark: the patch or cell being computed, the max of each pooling window.
Marked cells are bracketed, so that they show without colour too.  A large
map is drawn by its top-left corner; its value is always the whole map.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from solver.kinds.maps.cells import MapView, number

#: Rows and columns drawn at most; a larger map shows its top-left corner.
MAX_DRAWN = 8
#: Channels drawn at most.
MAX_CHANNELS = 3


def _planes(view: MapView) -> list[tuple[str, np.ndarray, set[tuple[int, int]]]]:
    """(caption, 2-D grid, marked cells) for each channel drawn."""
    grid = np.asarray(view.grid, dtype=float)
    if grid.ndim == 1:
        grid = grid[None, :]
    if grid.ndim == 2:
        return [("", grid, {(m[0], m[1]) for m in view.marks})]
    planes = []
    for c, plane in enumerate(grid[:MAX_CHANNELS]):
        marks = {(m[-2], m[-1]) for m in view.marks if len(m) == 2 or m[0] == c}
        planes.append((f"channel {c + 1}", plane, marks))
    return planes


def _caption(view: MapView, grid: np.ndarray) -> str:
    shape = "×".join(str(n) for n in np.shape(view.grid))
    cropped = grid.shape[0] > MAX_DRAWN or grid.shape[1] > MAX_DRAWN
    return f"{view.title} ({shape}{', top-left corner' if cropped else ''})"


def _cell_text(x: float, marked: bool) -> str:
    return f"[{number(x)}]" if marked else number(x)


def _rows(grid: np.ndarray, marks: set[tuple[int, int]]) -> list[list[str]]:
    """The drawn cells as text, with '…' where the map goes on."""
    rows = [
        [_cell_text(grid[r, c], (r, c) in marks) for c in range(min(grid.shape[1], MAX_DRAWN))]
        + (["…"] if grid.shape[1] > MAX_DRAWN else [])
        for r in range(min(grid.shape[0], MAX_DRAWN))
    ]
    if grid.shape[0] > MAX_DRAWN:
        rows.append(["⋮"] * len(rows[0]))
    return rows


def _shade(x: float, low: float, high: float) -> str:
    """A background on a diverging scale: blue below zero, red above, white at zero."""
    if not np.isfinite(x):
        return "on grey30"
    top = max(abs(low), abs(high)) or 1.0
    strength = min(abs(x) / top, 1.0)
    fade = int(255 - 150 * strength)
    rgb = (255, fade, fade) if x > 0 else (fade, fade, 255)
    return f"black on rgb({rgb[0]},{rgb[1]},{rgb[2]})"


def terminal_views(views: tuple[Any, ...]) -> Any:
    """The views of one step, side by side, as a Rich renderable."""
    from rich import box
    from rich.columns import Columns
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    drawn = []
    for view in views:
        for channel, grid, marks in _planes(view):
            finite = grid[np.isfinite(grid)]
            low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
            table = Table(show_header=False, box=box.SQUARE, padding=(0, 1), show_lines=False)
            for _ in range(min(grid.shape[1], MAX_DRAWN) + (grid.shape[1] > MAX_DRAWN)):
                table.add_column(justify="right")
            for r, row in enumerate(_rows(grid, marks)):
                cells = []
                for c, text in enumerate(row):
                    inside = r < grid.shape[0] and c < grid.shape[1] and text not in ("…", "⋮")
                    style = _shade(grid[r, c], low, high) if inside else ""
                    cells.append(Text(text, style=style + (" bold" if text.startswith("[") else "")))
                table.add_row(*cells)
            parts = [Text(_caption(view, grid) + (f", {channel}" if channel else ""), style="dim")]
            parts.append(table)
            if marks and view.legend:
                parts.append(Text(view.legend, style="dim"))
            drawn.append(Group(*parts))
    # Side by side while they fit, one under the other when they do not.
    return Padding(Columns(drawn, padding=(1, 3)), (1, 0, 0, 4))


def markdown_views(views: tuple[Any, ...]) -> list[str]:
    """The views of one step as Markdown tables; marked cells in bold."""
    lines: list[str] = []
    for view in views:
        for channel, grid, marks in _planes(view):
            rows = _rows(grid, marks)
            width = len(rows[0])
            legend = f" — **bold**: {view.legend.removeprefix('[ ] ')}" if marks and view.legend else ""
            lines += [f"*{_caption(view, grid)}{', ' + channel if channel else ''}*{legend}", ""]
            header = [str(c + 1) for c in range(min(grid.shape[1], MAX_DRAWN))] + (["…"] * (width > MAX_DRAWN))
            lines += ["| | " + " | ".join(header) + " |", "|---" * (width + 1) + "|"]
            for r, row in enumerate(rows):
                label = str(r + 1) if r < min(grid.shape[0], MAX_DRAWN) else "⋮"
                cells = [f"**{text[1:-1]}**" if text.startswith("[") else text for text in row]
                lines.append(f"| {label} | " + " | ".join(cells) + " |")
            lines.append("")
    return lines
