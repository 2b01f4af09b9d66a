"""HTML solution sheets: one self-contained page, math as MathML, figures as inline SVG.

The page runs no script and fetches nothing: MathML Core is laid out natively by
Chromium and Firefox, so each step's LaTeX is translated here (``latex2mathml``)
and the figures (``solver.render.figures``) are inlined as SVG.  One style sheet
serves a phone (fluid width, wide math scrolls), the screen and print (margins
that fit both A4 and Letter, each problem of a homework on a new page).

Three pages: a problem's key (``write_solution``), a homework's key
(``write_sheet``: what is asked and its points, then every step worked) and a
homework's handout (``write_handout``: statement, given data and figures, the
asked steps with room for the answer and no answer anywhere).  Views (``DRAW``):
a grid as a table with its marked cells shaded, a table as a table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any, TextIO

from solver.graph.blocks import Grid, Math, ProductSum, Sentence
from solver.graph.names import split_entry
from solver.graph.steps import Solution
from solver.graph.tables import Table, cell_text
from solver.graph.values import format_value
from solver.render.equation import Shown, display_name, equation
from solver.render.mathml import braced_negatives
from solver.render.sheet import points_text
from solver.render.summary import Elided, shortened, summarised_steps, summarised_table

if TYPE_CHECKING:
    from solver.render.sheet import Sheet, SheetProblem

#: Math is set in a font with an OpenType MATH table (one is installed on common systems), so that
#: brackets stretch around matrices.  Margins fit A4 (210×297 mm) and Letter (216×279 mm), so either
#: paper prints the page whole.
STYLE = """
body { font-family: system-ui, sans-serif; line-height: 1.5; max-width: 50rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; border-bottom: 1px solid #bbb; } h3 { font-size: 1.1rem; }
math { font-size: 1.1em;
  font-family: "STIX Two Math", "Cambria Math", "Latin Modern Math", "DejaVu Math TeX Gyre", math; }
.eq, .scroll { overflow-x: auto; overflow-y: hidden; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #ccc; padding: .2rem .5rem; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.mark { background: #ffe08a; font-weight: bold; }
.note { border-left: 3px solid #bbb; padding-left: .7rem; color: #444; }
.source { font-style: italic; color: #555; }
figure { margin: 1rem 0; }
.drawing { overflow-x: auto; overflow-y: hidden; }
.drawing svg { max-width: 100%; min-width: var(--legible, 0); height: auto; }
figcaption { font-size: .9rem; color: #444; }
.room { border: 1px solid #888; min-height: 3.5rem; margin: .3rem 0 1rem; }
code { font-size: .9em; }
@media print {
  @page { margin: 18mm 15mm; }
  body { max-width: none; padding: 0; }
  .eq, .scroll, .drawing { overflow: visible; }
  .drawing svg { min-width: 0; }
  section.problem + section.problem { break-before: page; }
  .step, figure, table { break-inside: avoid; }
}
"""

#: The smallest scale a figure is shown at on screen: its 10-pixel labels stay above 8.5 pixels.
LEGIBLE = 0.85


def write_solution(solution: Solution, out: TextIO, full: bool) -> None:
    out.write(page(solution.title, [*_statement(solution, 1, key=True), *_worked(solution, 2, full)]))


def write_sheet(sheet: Sheet, out: TextIO, full: bool) -> None:
    body = [f"<h1>{escape(sheet.title)}</h1>"]
    for problem in sheet.problems:
        body += _problem(problem, key=True, full=full)
    out.write(page(sheet.title, body))


def write_handout(sheet: Sheet, out: TextIO) -> None:
    """The questions only: statement, given data, figures drawn without answers, room for each asked step."""
    body = [f"<h1>{escape(sheet.title)}</h1>"]
    for problem in sheet.problems:
        body += _problem(problem, key=False, full=False)
    out.write(page(sheet.title, body))


def page(title: str, body: list[str]) -> str:
    """A whole page around ``body`` (lines of HTML), with the sheets' style sheet; ``title`` is escaped here."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>",
            "<body>",
            *body,
            "</body></html>",
            "",
        ]
    )


def _problem(problem: SheetProblem, key: bool, full: bool) -> list[str]:
    solution = problem.solution
    shown = _shown(solution)
    lines = [f'<section class="problem" id="{escape(problem.id)}">']
    lines.append(f"<h2>{escape(problem.id)}: {escape(problem.title)} ({points_text(problem.points)})</h2>")
    lines += _statement(solution, 3, key, id_prefix=f"figure-{problem.id}-")
    lines += ["<h3>Asked</h3>", '<div class="scroll"><table><tr><th>step</th><th></th><th>points</th>']
    lines[-1] += "<th>answer</th></tr>" if key else "</tr>"
    for asked in problem.asked:
        name = _math(display_name(asked.reference, solution, "latex"))
        step = solution[split_entry(asked.reference)[0]]
        row = f"<tr><td>{name}</td><td>{shown.prose(step.title)}</td><td class='num'>{asked.points:g}</td>"
        if key:
            row += f"<td>{_math(format_value(asked.value, 'latex'))}</td>"
        lines.append(row + "</tr>")
    lines.append("</table></div>")
    if key:
        lines += _worked(solution, 3, full)
    else:
        for asked in problem.asked:
            title = shown.prose(solution[split_entry(asked.reference)[0]].title)
            name = _math(display_name(asked.reference, solution, "latex"))
            lines += [f"<p>{name}: {title} ({points_text(asked.points)})</p>", '<div class="room"></div>']
    return [*lines, "</section>"]


def _statement(solution: Solution, level: int, key: bool, id_prefix: str = "figure-") -> list[str]:
    """The title (on a page of one problem), the source, the given data and the figures.

    Each figure's id is ``id_prefix`` and its name: on a sheet, the prefix names the problem,
    so that no two figures on the page (nor their arrow heads) share an id.
    """
    from solver.render.figures import figures

    shown = _shown(solution)
    lines = [f"<h{level}>{escape(solution.title)}</h{level}>"] if level == 1 else []
    sub = min(level + 1, 6) if level == 1 else level
    if solution.source:
        lines.append(f'<p class="source">Source: {escape(solution.source)}</p>')
    givens = [s for s in solution if s.is_given]
    if givens:
        lines += [f"<h{sub}>Given</h{sub}>", '<div class="scroll"><table>']
        for step in summarised_steps(givens, False):
            if isinstance(step, Elided):
                lines.append(f"<tr><td>⋮</td><td colspan='2'>{shown.prose(step.text())}</td></tr>")
                continue
            name = _math(display_name(step.name, solution, "latex"))
            value = _math(format_value(step.value, "latex"))
            lines.append(f"<tr><td>{name}</td><td>{shown.prose(step.title)}</td><td>{value}</td></tr>")
        lines.append("</table></div>")
    for figure in figures(solution, key=key):
        # A figure wider than the column shrinks only so far that its text stays legible, then scrolls sideways.
        figure_id = id_prefix + figure.name
        legible = f"--legible: {LEGIBLE * figure.width:.0f}px"
        lines += [f'<figure class="figure" id="{escape(figure_id)}">']
        lines += [f'<div class="drawing" style="{legible}">{figure.drawing.svg(figure_id)}</div>']
        lines += [f"<figcaption>{escape(figure.caption)}</figcaption>", "</figure>"]
    return lines


def _worked(solution: Solution, level: int, full: bool) -> list[str]:
    shown = _shown(solution)
    lines = [f"<h{level}>Solution</h{level}>"]
    number = 0
    for step in summarised_steps([s for s in solution if not s.is_given], full):
        if isinstance(step, Elided):
            number += step.count  # the steps after a gap keep their numbers
            lines.append(f"<p>{shown.prose(step.text())}</p>")
            continue
        number += 1
        heading = f"<strong>{number}. {shown.prose(step.title)}</strong> <code>{escape(step.name)}</code>"
        lines += ['<div class="step">', f"<p>{heading}</p>"]
        lines.append(f'<div class="eq">{_math(shortened(equation(step, solution, "latex"), full), block=True)}</div>')
        if step.detail:
            lines += ["<ul>", *(f"<li>{WRITE[type(block)](block, full, shown)}</li>" for block in step.detail), "</ul>"]
        for view in step.views:
            lines += DRAW[type(view)](view, full, shown)
        if step.note:
            lines.append(f'<p class="note">{escape(step.note)}</p>')
        lines.append("</div>")
    for table in solution.tables:
        if table.rows:
            lines += _table(table, full, shown)
    return lines


def _shown(solution: Solution) -> Shown:
    """Names as MathML in the course's notation, words escaped."""
    return Shown(solution, "latex", math=_math, words=escape)


#: A function name applied without parentheses (``y \log p``): latex2mathml gives it none of the space LaTeX does.
_BARE_FUNCTION = re.compile(r"\\(log|ln|exp)\b(?!\s*(?:\(|\\left))")
#: A matrix with a superscript (``\begin{bmatrix}…\end{bmatrix}^\top``): latex2mathml makes its opening
#: bracket alone the base, so it is braced into one group.
_MATRIX_POWER = re.compile(r"(\\begin\{(\w*matrix)\}(?:(?!\\begin\{).)*?\\end\{\2\})(?=\s*\^)", re.DOTALL)


def _math(latex: str, block: bool = False) -> str:
    """MathML for ``latex``; a negative number is braced (``{-1.4}``) so that it is not spaced as a subtraction.

    A function name without parentheses gets LaTeX's thin spaces, so that ``1 log 0.5`` does not run together,
    and a matrix with a superscript is braced, so that all of it is the base.
    """
    from latex2mathml.converter import convert

    latex = _BARE_FUNCTION.sub(r"\\,\\\1\\,", braced_negatives(_MATRIX_POWER.sub(r"{\1}", latex)))
    return convert(latex, display="block" if block else "inline")


def _prose(block: Sentence, full: bool, shown: Shown) -> str:
    return shown.prose(block.words)


def _worked_line(block: Math | ProductSum, full: bool, shown: Shown) -> str:
    latex = _math(shortened(shown.block(block), full))
    return f"{shown.prose(block.label)}: {latex}" if block.label else latex


#: How each kind of detail block is written: one list item each.
WRITE: dict[type, Callable[[Any, bool, Shown], str]] = {Sentence: _prose, Math: _worked_line, ProductSum: _worked_line}


def _table(table: Table, full: bool, shown: Shown) -> list[str]:
    table = summarised_table(table, full)
    lines = [f"<p><strong>{shown.prose(table.title)}</strong></p>", '<div class="scroll"><table>']
    lines.append("<tr>" + "".join(f"<th>{escape(c.title)}</th>" for c in table.columns) + "</tr>")
    for row in table.rows:
        cells = (
            f"<td{' class=num' if column.numeric else ''}>{shown.prose(cell_text(cell, column))}</td>"
            for cell, column in zip(row, table.columns, strict=True)
        )
        lines.append("<tr>" + "".join(cells) + "</tr>")
    return [*lines, "</table></div>", *(f"<p>{shown.prose(line)}</p>" for line in table.footer)]


def _grid(view: Grid, full: bool, shown: Shown) -> list[str]:
    """One table per channel, numbered rows and columns, marked cells shaded (and bracketed in the text)."""
    from solver.render.grids import MAX_DRAWN, caption, cell_rows, planes

    lines: list[str] = []
    for channel, grid, marks in planes(view):
        rows = cell_rows(grid, marks)
        legend = f" — shaded: {shown.prose(view.legend.removeprefix('[ ] '))}" if marks and view.legend else ""
        lines += [f"<p><em>{shown.prose(caption(view, grid))}{', ' + channel if channel else ''}</em>{legend}</p>"]
        header = [str(c + 1) for c in range(min(grid.shape[1], MAX_DRAWN))] + (["…"] * (len(rows[0]) > MAX_DRAWN))
        lines += ['<div class="scroll"><table class="grid">', _header_row(header)]
        for r, row in enumerate(rows):
            label = str(r + 1) if r < min(grid.shape[0], MAX_DRAWN) else "⋮"
            cells = (f"<td class='num mark'>{escape(t[1:-1])}</td>" if t.startswith("[") else _cell(t) for t in row)
            lines.append(f"<tr><th>{label}</th>{''.join(cells)}</tr>")
        lines.append("</table></div>")
    return lines


def _header_row(header: list[str]) -> str:
    return "<tr><th></th>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>"


def _cell(text: str) -> str:
    return f"<td class=num>{escape(text)}</td>"


#: How each kind of view is drawn.
DRAW: dict[type, Callable[[Any, bool, Shown], list[str]]] = {Grid: _grid, Table: _table}
