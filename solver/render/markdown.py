"""Markdown solution sheets: math in ``$...$`` and ``$$...$$``.

Detail blocks are a list under the step's equation: prose as prose, worked lines as
inline math (their LaTeX form).  Views (``DRAW``): a grid as a table with its marked
cells in bold, a table as a table.  The handout (``write_handout``) keeps each
problem's given data and asks its steps, with their points and room to answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from solver.graph.blocks import Grid, Math, ProductSum, Sentence
from solver.graph.names import split_entry
from solver.graph.steps import Solution
from solver.graph.tables import Table, cell_text
from solver.graph.values import format_value
from solver.render.equation import Shown, display_name, equation
from solver.render.sheet import points_text
from solver.render.summary import Elided, shortened, summarised_steps, summarised_table

if TYPE_CHECKING:
    from solver.render.sheet import Sheet


def write_solution(solution: Solution, out: TextIO, full: bool) -> None:
    out.write(render_markdown(solution, full=full))


def write_sheet(sheet: Sheet, out: TextIO, full: bool) -> None:
    parts = [f"# {sheet.title}", ""]
    for problem in sheet.problems:
        parts += [f"## {problem.id}: {problem.title} ({points_text(problem.points)})", ""]
        parts += ["| asked | points | answer |", "|---|---:|---|"]
        for asked in problem.asked:
            parts.append(f"| `{asked.reference}` | {asked.points:g} | ${format_value(asked.value, 'latex')}$ |")
        parts += ["", render_markdown(problem.solution, heading_level=3, full=full)]
    out.write("\n".join(parts).rstrip() + "\n")


def write_handout(sheet: Sheet, out: TextIO) -> None:
    """The questions only: each problem's given data and its asked steps with their points, no answer."""
    parts = [f"# {sheet.title}", ""]
    for problem in sheet.problems:
        solution = problem.solution
        shown = Shown(solution, "latex", math=_inline)
        parts += [f"## {problem.id}: {problem.title} ({points_text(problem.points)})", ""]
        parts += _statement(solution, "###", shown, full=False)
        parts += ["### Asked", ""]
        for asked in problem.asked:
            name = display_name(asked.reference, solution, "latex")
            title = shown.prose(solution[split_entry(asked.reference)[0]].title)
            parts += [f"**${name}$**: {title} ({points_text(asked.points)})", "", "Answer:", "", "&nbsp;", ""]
    out.write("\n".join(parts).rstrip() + "\n")


def render_markdown(solution: Solution, heading_level: int = 1, full: bool = False) -> str:
    """A Markdown sheet; long runs of time steps are summarised unless ``full``."""
    hashes = "#" * heading_level
    shown = Shown(solution, "latex", math=_inline)
    lines = [f"{hashes} {solution.title}", ""]
    lines += _statement(solution, hashes + "#", shown, full)
    lines += [f"{hashes}# Solution", ""]
    number = 0
    for step in summarised_steps([s for s in solution if not s.is_given], full):
        if isinstance(step, Elided):
            number += step.count  # the steps after a gap keep their numbers
            lines += [shown.prose(step.text()), ""]
            continue
        number += 1
        lines += [f"**{number}. {shown.prose(step.title)}** (`{step.name}`)", ""]
        lines += ["$$", shortened(equation(step, solution, "latex"), full), "$$", ""]
        lines += [WRITE[type(block)](block, full, shown) for block in step.detail]
        if step.detail:
            lines.append("")
        for view in step.views:
            lines += DRAW[type(view)](view, full, shown)
        if step.note:
            lines += [f"> {step.note}", ""]
    for table in solution.tables:
        if table.rows:
            lines += _table(table, full, shown)
    return "\n".join(lines).rstrip() + "\n"


def _statement(solution: Solution, hashes: str, shown: Shown, full: bool) -> list[str]:
    """The problem as set: its source and a table of its given data."""
    lines = [f"*Source: {solution.source}*", ""] if solution.source else []
    givens = [s for s in solution if s.is_given]
    if givens:
        lines += [f"{hashes} Given", "", "| | | |", "|---|---|---|"]
        for step in summarised_steps(givens, full):
            if isinstance(step, Elided):
                lines.append(f"| ⋮ | {shown.prose(step.text())} | |")
                continue
            name = display_name(step.name, solution, "latex")
            lines.append(f"| ${name}$ | {shown.prose(step.title)} | ${format_value(step.value, 'latex')}$ |")
        lines.append("")
    return lines


def _inline(latex: str) -> str:
    return f"${latex}$"


def _prose(block: Sentence, full: bool, shown: Shown) -> str:
    return f"- {shown.prose(block.words)}"


def _math(block: Math | ProductSum, full: bool, shown: Shown) -> str:
    latex = f"${shortened(shown.block(block), full)}$"
    return f"- {shown.prose(block.label)}: {latex}" if block.label else f"- {latex}"


#: How each kind of detail block is written: one list item each.
WRITE: dict[type, Callable[[Any, bool, Shown], str]] = {Sentence: _prose, Math: _math, ProductSum: _math}


def _table(table: Table, full: bool, shown: Shown) -> list[str]:
    table = summarised_table(table, full)
    align = ["---:" if column.numeric else "---" for column in table.columns]
    lines = [
        f"**{shown.prose(table.title)}**",
        "",
        "| " + " | ".join(c.title for c in table.columns) + " |",
        "|" + "|".join(align) + "|",
    ]
    for row in table.rows:
        cells = (shown.prose(cell_text(cell, column)) for cell, column in zip(row, table.columns, strict=True))
        # A "|" inside a cell (|ŷ − y|) would end the cell.
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return [*lines, "", *map(shown.prose, table.footer), ""]


def _grid(view: Grid, full: bool, shown: Shown) -> list[str]:
    """One table per channel, numbered rows and columns, marked cells in bold."""
    from solver.render.grids import MAX_DRAWN, caption, cell_rows, planes

    lines: list[str] = []
    for channel, grid, marks in planes(view):
        rows = cell_rows(grid, marks)
        width = len(rows[0])
        legend = f" — **bold**: {shown.prose(view.legend.removeprefix('[ ] '))}" if marks and view.legend else ""
        lines += [f"*{shown.prose(caption(view, grid))}{', ' + channel if channel else ''}*{legend}", ""]
        header = [str(c + 1) for c in range(min(grid.shape[1], MAX_DRAWN))] + (["…"] * (width > MAX_DRAWN))
        lines += ["| | " + " | ".join(header) + " |", "|---" * (width + 1) + "|"]
        for r, row in enumerate(rows):
            label = str(r + 1) if r < min(grid.shape[0], MAX_DRAWN) else "⋮"
            cells = [f"**{text[1:-1]}**" if text.startswith("[") else text for text in row]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


#: How each kind of view is drawn.
DRAW: dict[type, Callable[[Any, bool, Shown], list[str]]] = {Grid: _grid, Table: _table}
