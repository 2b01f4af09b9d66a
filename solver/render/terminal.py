"""The terminal view: one block per step, drawn with Rich.

Detail blocks are written in their text form, one indented line each; views are
drawn side by side (``DRAW``: a grid as coloured cells, a table as a table).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.table import Table as RichTable
from rich.text import Text

from solver.graph.blocks import Grid, View
from solver.graph.steps import Solution, Step
from solver.graph.tables import Table, cell_text
from solver.graph.values import format_value
from solver.render.equation import Shown, display_name, equation_parts
from solver.render.summary import Elided, shortened, summarised_steps, summarised_table

if TYPE_CHECKING:
    from solver.render.sheet import Sheet


def write_solution(solution: Solution, out: TextIO, full: bool) -> None:
    Console(file=out, highlight=False).print(render_terminal(solution, full))


def write_sheet(sheet: Sheet, out: TextIO, full: bool) -> None:
    console = Console(file=out, highlight=False)
    # Titles, ids and step names come from the file: shown as text, never read as markup.
    console.print(Text(sheet.title, style="bold"))
    for problem in sheet.problems:
        asked = ", ".join(f"{a.reference} ({a.points:g} pt)" for a in problem.asked)
        console.print(Rule(Text(f"{problem.id}: {problem.title}")))
        console.print(Text(f"asked: {asked}"))
        console.print(render_terminal(problem.solution, full))


def render_terminal(solution: Solution, full: bool = False) -> RenderableType:
    """The solution as Rich renderables; long runs of time steps are summarised unless ``full``."""
    shown = Shown(solution, "text")
    parts: list[RenderableType] = [Text(solution.title, style="bold underline")]
    if solution.source:
        parts.append(Text(f"source: {solution.source}", style="dim"))
    givens = summarised_steps([s for s in solution if s.is_given], full)
    if givens:
        gaps = "\n".join(shown.prose(step.text()) for step in givens if isinstance(step, Elided))
        table = RichTable(title="Given", title_justify="left", show_header=False, box=None, padding=(0, 1))
        table.caption, table.caption_justify = (Text(gaps) if gaps else None), "left"
        for step in givens:
            if isinstance(step, Elided):
                table.add_row("⋮", "⋮", "⋮")
                continue
            table.add_row(
                # Text, not markup: a symbolic value such as [x_1, x_2] would read as a style tag.
                Text(display_name(step.name, solution, "text")),
                Text(format_value(step.value)),
                Text(shown.prose(step.title), style="dim"),
            )
        parts += [Text(), table]
    for step in summarised_steps([s for s in solution if not s.is_given], full):
        if isinstance(step, Elided):
            block: RenderableType = Text("  " + shown.prose(step.text()), style="dim")
        else:
            block = _step_block(step, shown, full)
        parts += [Text(), block]
    for table in solution.tables:
        if table.rows:
            parts += [Text(), *_table(table, full, shown)]
    return Group(*parts)


def _table(table: Table, full: bool, shown: Shown) -> list[RenderableType]:
    table = summarised_table(table, full)
    caption = Text("\n".join(map(shown.prose, table.footer)))  # text, never markup: a gap names steps
    title = shown.prose(table.title)
    rich_table = RichTable(title=title, title_justify="left", caption=caption, caption_justify="left")
    for column in table.columns:
        rich_table.add_column(column.title, justify="right" if column.numeric else "left")
    for row in table.rows:
        # Cells are text, never markup ([y log ŷ ...]).
        rich_table.add_row(
            *(Text(shown.prose(cell_text(cell, column))) for cell, column in zip(row, table.columns, strict=True))
        )
    return [rich_table]


def _grid(view: Grid, full: bool, shown: Shown) -> list[RenderableType]:
    """One panel per channel: cells on a diverging colour scale, marked cells bracketed and bold."""
    import numpy as np
    from rich import box

    from solver.render.grids import MAX_DRAWN, caption, cell_rows, planes

    drawn: list[RenderableType] = []
    for channel, grid, marks in planes(view):
        finite = grid[np.isfinite(grid)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        table = RichTable(show_header=False, box=box.SQUARE, padding=(0, 1), show_lines=False)
        for _ in range(min(grid.shape[1], MAX_DRAWN) + (grid.shape[1] > MAX_DRAWN)):
            table.add_column(justify="right")
        for r, row in enumerate(cell_rows(grid, marks)):
            cells = []
            for c, text in enumerate(row):
                inside = r < grid.shape[0] and c < grid.shape[1] and text not in ("…", "⋮")
                style = _shade(grid[r, c], low, high) if inside else ""
                cells.append(Text(text, style=style + (" bold" if text.startswith("[") else "")))
            table.add_row(*cells)
        title = shown.prose(caption(view, grid) + (f", {channel}" if channel else ""))
        parts: list[RenderableType] = [Text(title, style="dim"), table]
        if marks and view.legend:
            parts.append(Text(shown.prose(view.legend), style="dim"))
        drawn.append(Group(*parts))
    return drawn


def _shade(x: float, low: float, high: float) -> str:
    """A background on a diverging scale: blue below zero, red above, white at zero."""
    import numpy as np

    if not np.isfinite(x):
        return "on grey30"
    top = max(abs(low), abs(high)) or 1.0
    strength = min(abs(x) / top, 1.0)
    fade = int(255 - 150 * strength)
    rgb = (255, fade, fade) if x > 0 else (fade, fade, 255)
    return f"black on rgb({rgb[0]},{rgb[1]},{rgb[2]})"


#: How each kind of view is drawn: a list of panels, set side by side with the step's other views.
DRAW: dict[type, Callable[[Any, bool, Shown], list[RenderableType]]] = {Grid: _grid, Table: _table}


def _views(views: tuple[View, ...], full: bool, shown: Shown) -> RenderableType:
    from rich.columns import Columns
    from rich.padding import Padding

    drawn = [panel for view in views for panel in DRAW[type(view)](view, full, shown)]
    # Side by side while they fit, one under the other when they do not.
    return Padding(Columns(drawn, padding=(1, 3)), (1, 0, 0, 4))


def _step_block(step: Step, shown: Shown, full: bool) -> RenderableType:
    header = Text.assemble((shown.prose(step.title), "bold"), ("  " + step.name, "dim"))
    members = [shortened(member, full) for member in equation_parts(step, shown.solution, "text")]
    line = Text("  ")
    for i, member in enumerate(members):
        if i:
            line.append(" = ")
        style = "bold cyan" if i == 0 else ("bold green" if i == len(members) - 1 else "")
        line.append(member, style=style)
    rows: list[RenderableType] = [header, line]
    for block in step.detail:
        text = shown.block(block)
        rows.append(Text("    " + shortened(f"{shown.prose(block.label)}: {text}" if block.label else text, full)))
    if step.views:
        rows.append(_views(step.views, full, shown))
    if step.note:
        rows.append(Text("  " + step.note, style="italic yellow"))
    return Group(*rows)
