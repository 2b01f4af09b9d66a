"""PDF solution sheets, made offline by the Typst compiler (the ``typst`` package, ``nnsolve[pdf]``).

The sheet is handed to one fixed Typst template (``pdf.typ``) as JSON data: every
title and word reaches the page as a string, never as Typst markup.  Math (names,
values, each member of a step's chain) is the same LaTeX as the HTML sheet's,
written as Typst math markup by ``solver.render.typst_math`` from a closed
vocabulary in which every piece of a file's text is a quoted string, so nothing
from a problem file is compiled as code.

The key (``questions=False``) works every step; the handout (``questions=True``)
keeps each problem's statement, its given data and figures drawn without answers,
and the asked steps with their points and room to answer, and no worked value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING, Any, TextIO

from solver.graph.blocks import Grid, Math, ProductSum, Sentence
from solver.graph.errors import InputError
from solver.graph.names import split_entry
from solver.graph.tables import Table, cell_text
from solver.graph.values import format_value
from solver.render.equation import Shown, display_name, equation_parts
from solver.render.figures.svg import PIXEL_PT
from solver.render.grids import caption, cell_rows, planes
from solver.render.sheet import points_text
from solver.render.summary import Elided, shortened, summarised_steps, summarised_table
from solver.render.typst_math import quoted, typst_math

if TYPE_CHECKING:
    from solver.graph.steps import Solution, Step
    from solver.render.figures import Figure
    from solver.render.sheet import Sheet

#: What to install when the ``typst`` package is missing.
INSTALL_HINT = "PDF sheets need the typst package: pip install 'nnsolve[pdf]'"


def write_solution(solution: Solution, out: TextIO, full: bool, questions: bool = False) -> None:
    asked = [(step.name, 0.0) for step in solution if not (step.is_given or step.in_table)]
    problem = _problem(solution.title, solution, asked, full, questions)
    _write({"title": solution.title, "questions": questions, "problems": [problem]}, out)


def write_sheet(sheet: Sheet, out: TextIO, full: bool, questions: bool = False) -> None:
    problems = [
        _problem(
            f"{p.id}: {p.title} ({points_text(p.points)})",
            p.solution,
            [(a.reference, a.points) for a in p.asked],
            full,
            questions,
        )
        for p in sheet.problems
    ]
    _write({"title": sheet.title, "questions": questions, "problems": problems}, out)


def pdf_bytes(document: dict[str, Any]) -> bytes:
    """The PDF of a document (``_problem``'s data), compiled offline with the bundled fonts only."""
    try:
        import typst
    except ImportError:
        raise InputError(INSTALL_HINT) from None
    template = resources.files("solver.render").joinpath("pdf.typ").read_bytes()
    return typst.compile(template, sys_inputs={"sheet": json.dumps(document)}, ignore_system_fonts=True)


def _write(document: dict[str, Any], out: TextIO) -> None:
    """A PDF is bytes: it goes to the binary stream under ``out`` (stdout's, or a file's)."""
    data = pdf_bytes(document)
    out.flush()
    out.buffer.write(data)  # type: ignore[attr-defined]
    out.buffer.flush()  # type: ignore[attr-defined]


def _figure(figure: Figure) -> dict[str, Any]:
    """A figure at the size the LaTeX sheet gives it too: its own, shrunk only to fit the page."""
    width = figure.drawing.width * PIXEL_PT * figure.drawing.print_scale
    return {"caption": figure.caption, "svg": figure.svg, "width": width}


def _problem(
    title: str, solution: Solution, asked: list[tuple[str, float]], full: bool, questions: bool
) -> dict[str, Any]:
    """One problem as the template reads it: strings, lists and numbers only."""
    from solver.render.figures import figures

    shown = Shown(solution, "text")
    givens = []
    for step in summarised_steps([s for s in solution if s.is_given], full):
        if isinstance(step, Elided):
            givens.append({"name": quoted("⋮"), "title": shown.prose(step.text()), "value": quoted("")})
        else:
            what = shown.prose(step.title)
            givens.append({"name": _name(step.name, solution), "title": what, "value": _value(step.value)})
    problem: dict[str, Any] = {
        "title": title,
        "source": solution.source or "",
        "givens": givens,
        "asked": [_asked(reference, points, solution) for reference, points in asked],
        "figures": [_figure(f) for f in figures(solution, key=not questions)],
        "steps": [],
        "tables": [],
    }
    if not questions:
        problem["steps"] = _steps(solution, full)
        problem["tables"] = [_table(table, full, shown) for table in solution.tables if table.rows]
    return problem


def _asked(reference: str, points: float, solution: Solution) -> dict[str, Any]:
    step = solution[split_entry(reference)[0]]
    title = Shown(solution, "text").prose(step.title)
    return {"name": _name(reference, solution), "title": title, "points": points}


def _name(name: str, solution: Solution) -> str:
    """A step's (or an entry's) name as the course writes it, typeset: ``x_hat`` is x̂, ``dL/dW1`` a fraction."""
    return typst_math(display_name(name, solution, "latex"), fallback=display_name(name, solution, "text"))


def _value(value: Any) -> str:
    latex = format_value(value, "latex")
    return typst_math(latex, fallback=latex)


def _chain(step: Step, solution: Solution, full: bool) -> list[str]:
    """The members of ``name = formula = substituted = value`` after the name, each one line that starts with =."""
    parts = [shortened(part, full) for part in equation_parts(step, solution, "latex")[1:]]
    return [typst_math("= " + part, fallback="= " + part) for part in parts]


def _detail(block: Sentence | Math | ProductSum, full: bool, shown: Shown) -> dict[str, str]:
    """A line of worked detail: words as text, arithmetic as math, the names in both as the course writes them."""
    label = shown.prose(block.label)
    if isinstance(block, Sentence):
        return {"label": label, "text": shown.prose(block.words)}
    latex = shortened(Shown(shown.solution, "latex").block(block), full)
    return {"label": label, "math": typst_math(latex, fallback=latex)}


def _steps(solution: Solution, full: bool) -> list[dict[str, Any]]:
    shown = Shown(solution, "text")
    steps: list[dict[str, Any]] = []
    number = 0
    for step in summarised_steps([s for s in solution if not s.is_given], full):
        if isinstance(step, Elided):
            number += step.count  # the steps after a gap keep their numbers
            steps.append({"gap": shown.prose(step.text())})
            continue
        number += 1
        steps.append(
            {
                "number": number,
                "title": shown.prose(step.title),
                "name": _name(step.name, solution),
                "equation": _chain(step, solution, full),
                "detail": [_detail(block, full, shown) for block in step.detail],
                "views": [view for v in step.views for view in DRAW[type(v)](v, full, shown)],
                "note": step.note or "",
            }
        )
    return steps


def _table(table: Table, full: bool, shown: Shown) -> dict[str, Any]:
    """A table as the template draws it: a caption, a header row, rows of text and what is marked."""
    table = summarised_table(table, full)
    rows = [
        [shown.prose(cell_text(c, column)) for c, column in zip(row, table.columns, strict=True)] for row in table.rows
    ]
    return {
        "caption": shown.prose(table.title),
        "header": [column.title for column in table.columns],
        "rows": rows,
        "marked": [[False] * len(row) for row in rows],
        "footer": [shown.prose(line) for line in table.footer],
    }


def _grid(view: Grid, full: bool, shown: Shown) -> list[dict[str, Any]]:
    """One table per channel, rows and columns numbered, marked cells shaded."""
    drawn = []
    for channel, grid, marks in planes(view):
        rows = cell_rows(grid, marks)
        legend = f" (shaded: {view.legend.removeprefix('[ ] ')})" if marks and view.legend else ""
        drawn.append(
            {
                "caption": shown.prose(caption(view, grid) + (f", {channel}" if channel else "") + legend),
                "header": ["", *(str(c + 1) for c in range(len(rows[0])))],
                "rows": [[str(r + 1), *(text.strip("[]") for text in row)] for r, row in enumerate(rows)],
                "marked": [[False, *(text.startswith("[") for text in row)] for row in rows],
                "footer": [],
            }
        )
    return drawn


#: How each kind of view is drawn: as one or more tables for the template.
DRAW: dict[type, Callable[[Any, bool, Shown], list[dict[str, Any]]]] = {
    Grid: _grid,
    Table: lambda table, full, shown: [_table(table, full, shown)],
}


def write_handout(sheet: Sheet, out: TextIO) -> None:
    """The questions only (``--questions``): no answer and no worked step anywhere."""
    write_sheet(sheet, out, full=False, questions=True)
