"""The terminal view: one block per step, drawn with Rich."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from solver.graph.steps import Solution, Step
from solver.graph.tables import SummaryTable
from solver.graph.values import format_value
from solver.render import display_name, equation_parts
from solver.render.summary import Elided, shortened, summarised_steps, summarised_table


def render_terminal(solution: Solution, full: bool = False) -> RenderableType:
    """The solution as Rich renderables; long runs of time steps are summarised unless ``full``."""
    parts: list[RenderableType] = [Text(solution.title, style="bold underline")]
    if solution.source:
        parts.append(Text(f"source: {solution.source}", style="dim"))
    givens = summarised_steps([s for s in solution if s.is_given], full)
    if givens:
        gaps = "\n".join(step.text() for step in givens if isinstance(step, Elided))
        table = Table(title="Given", title_justify="left", show_header=False, box=None, padding=(0, 1))
        table.caption, table.caption_justify = (Text(gaps) if gaps else None), "left"
        for step in givens:
            if isinstance(step, Elided):
                table.add_row("⋮", "⋮", "⋮")
                continue
            table.add_row(
                # Text, not markup: a symbolic value such as [x_1, x_2] would read as a style tag.
                Text(display_name(step.name, solution, "text")),
                Text(format_value(step.value)),
                Text(step.title, style="dim"),
            )
        parts += [Text(), table]
    for step in summarised_steps([s for s in solution if not s.is_given], full):
        block = Text("  " + step.text(), style="dim") if isinstance(step, Elided) else _step_block(step, solution, full)
        parts += [Text(), block]
    for table in solution.tables:
        parts += [Text(), _rich_table(table, full)]
    return Group(*parts)


def _rich_table(table: SummaryTable, full: bool) -> Table:
    table = summarised_table(table, full)
    caption = Text("\n".join(table.footer))  # text, never markup: a gap names steps such as feature_map[1,2]
    rich_table = Table(title=table.title, title_justify="left", caption=caption, caption_justify="left")
    for i, column in enumerate(table.columns):
        rich_table.add_column(column, justify="right" if i in table.numeric else "left")
    for row in table.rows:
        rich_table.add_row(*(Text(cell) for cell in row))  # cells are text, never markup ([y log ŷ ...])
    return rich_table


def _step_block(step: Step, solution: Solution, full: bool) -> RenderableType:
    header = Text.assemble((step.title, "bold"), ("  " + step.name, "dim"))
    members = [shortened(member, full) for member in equation_parts(step, solution, "text")]
    line = Text("  ")
    for i, member in enumerate(members):
        if i:
            line.append(" = ")
        style = "bold cyan" if i == 0 else ("bold green" if i == len(members) - 1 else "")
        line.append(member, style=style)
    rows: list[RenderableType] = [header, line]
    rows += [Text("    " + shortened(detail, full)) for detail in step.detail]
    if step.views:
        from solver.kinds.maps.views import terminal_views

        rows.append(terminal_views(step.views))
    if step.note:
        rows.append(Text("  " + step.note, style="italic yellow"))
    return Group(*rows)
