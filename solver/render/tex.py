"""LaTeX solution sheets in the ``exam`` class, for courses kept in LaTeX.

Each problem is a ``\\question`` worth its points, each asked step a ``\\part``.
The key switches ``\\printanswers`` on and works every step in a ``solution``
environment; the handout (``questions=True``) switches it off and leaves a box
to answer in: its source holds no worked step and no answer, so handing out the
``.tex`` gives nothing away.  Each problem's figures follow its given data as
TikZ pictures (the key's drawn with the answers, the handout's with the given
data only).  Prose from a file (titles, sources, notes) is escaped, so that it
is set as text and never read as LaTeX commands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from solver.graph.blocks import Grid, Math, ProductSum, Sentence
from solver.graph.tables import Table, cell_text
from solver.graph.values import format_value
from solver.render.equation import Shown, display_name, equation
from solver.render.grids import caption, cell_rows, planes
from solver.render.latex_text import escaped
from solver.render.summary import Elided, shortened, summarised_steps, summarised_table

if TYPE_CHECKING:
    from solver.graph.steps import Solution
    from solver.render.sheet import Sheet

PREAMBLE = r"""\documentclass[11pt,a4paper]{exam}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
\usepackage{xcolor}
\usepackage{tikz}
\usetikzlibrary{arrows.meta}
\usepackage{caption}
\usepackage{amsmath,amssymb}
\usepackage{newunicodechar}
\newunicodechar{⋮}{\ensuremath{\vdots}}
\newunicodechar{…}{\ldots}
\newunicodechar{×}{\ensuremath{\times}}
\newunicodechar{—}{---}
\allowdisplaybreaks
% The exam class letters parts a to z; a problem with more steps (a circuit) goes on in numbers.
\renewcommand{\thepartno}{\ifnum\value{partno}>26 \arabic{partno}\else\alph{partno}\fi}
"""

#: Room to answer an asked step in the handout.
ANSWER_ROOM = "3em"


def write_solution(solution: Solution, out: TextIO, full: bool, questions: bool = False) -> None:
    asked = [(step.name, 0.0) for step in solution if not (step.is_given or step.in_table)]
    out.write(_document(solution.title, [_question("", solution, asked, full, questions)], questions))


def write_sheet(sheet: Sheet, out: TextIO, full: bool, questions: bool = False) -> None:
    parts = [
        _question(f"{p.id}: ", p.solution, [(a.reference, a.points) for a in p.asked], full, questions)
        for p in sheet.problems
    ]
    out.write(_document(sheet.title, parts, questions))


def _document(title: str, questions_tex: list[str], questions: bool) -> str:
    answers = r"\noprintanswers" if questions else r"\printanswers"
    heading = "Questions" if questions else "Solutions"
    return "\n".join(
        [
            PREAMBLE + answers,
            rf"\title{{{escaped(title)}}}",
            rf"\date{{{heading}}}",
            r"\begin{document}",
            r"\maketitle",
            r"\begin{questions}",
            "\n\\newpage\n".join(questions_tex),
            r"\end{questions}",
            r"\end{document}",
            "",
        ]
    )


def _question(prefix: str, solution: Solution, asked: list[tuple[str, float]], full: bool, questions: bool) -> str:
    points = sum(p for _, p in asked)
    shown = _shown(solution)
    lines = [
        r"\newpage" if prefix else "",
        rf"\question{f'[{points:g}]' if points else ''} {escaped(prefix + solution.title)}",
    ]
    if solution.source:
        lines.append(rf"\par\emph{{Source: {escaped(solution.source)}}}")
    givens = summarised_steps([s for s in solution if s.is_given], full)
    if givens:
        lines += [r"\par\medskip Given:\par", r"\begin{tabular}{lll}"]
        for step in givens:
            if isinstance(step, Elided):
                lines.append(rf"$\vdots$ & {shown.prose(step.text())} & \\")
                continue
            name = display_name(step.name, solution, "latex")
            lines.append(rf"${name}$ & {shown.prose(step.title)} & ${format_value(step.value, 'latex')}$ \\")
        lines.append(r"\end{tabular}")
    lines += _figures(solution, key=not questions)
    lines.append(r"\begin{parts}")
    for reference, part_points in asked:
        step = solution[reference.split("[", 1)[0]]
        name = display_name(step.name, solution, "latex") + reference[len(step.name) :]
        room = "" if not questions else rf"\makeemptybox{{{ANSWER_ROOM}}}"
        lines.append(rf"\part{f'[{part_points:g}]' if part_points else ''} {shown.prose(step.title)} (${name}$) {room}")
    lines.append(r"\end{parts}")
    if not questions:
        lines += [r"\begin{solution}", *_worked(solution, full), r"\end{solution}"]
    return "\n".join(lines)


def _shown(solution: Solution) -> Shown:
    """Names typeset in the course's notation, words escaped."""
    return Shown(solution, "latex", math=lambda latex: f"${latex}$", words=escaped)


def _figures(solution: Solution, key: bool) -> list[str]:
    """Each figure centred as TikZ with its numbered caption; the handout's drawn without answers.

    A minipage keeps the picture and its caption on one page.
    """
    from solver.render.figures import figures

    lines: list[str] = []
    for figure in figures(solution, key=key):
        caption = rf"\captionof{{figure}}{{{escaped(figure.caption)}}}"
        box = [r"\begin{minipage}{\linewidth}\centering", figure.drawing.tikz(), caption, r"\end{minipage}"]
        lines += [r"\begin{center}", *box, r"\end{center}"]
    return lines


def _worked(solution: Solution, full: bool) -> list[str]:
    shown = _shown(solution)
    lines: list[str] = []
    number = 0
    for step in summarised_steps([s for s in solution if not s.is_given], full):
        if isinstance(step, Elided):
            number += step.count  # the steps after a gap keep their numbers
            lines += [shown.prose(step.text()), ""]
            continue
        number += 1
        name = display_name(step.name, solution, "latex")
        lines += [rf"\textbf{{{number}. {shown.prose(step.title)}}} (${name}$)", ""]
        lines += [r"\begin{multline*}", shortened(equation(step, solution, "latex"), full), r"\end{multline*}"]
        if step.detail:
            lines += [r"\begin{itemize}", *(WRITE[type(block)](block, full, shown) for block in step.detail)]
            lines.append(r"\end{itemize}")
        for view in step.views:
            lines += DRAW[type(view)](view, full, shown)
        if step.note:
            lines += [rf"\emph{{{escaped(step.note)}}}", ""]
    for table in solution.tables:
        if table.rows:
            lines += _table(table, full, shown)
    return lines


def _prose(block: Sentence, full: bool, shown: Shown) -> str:
    return rf"\item {shown.prose(block.words)}"


def _math(block: Math | ProductSum, full: bool, shown: Shown) -> str:
    label = f"{shown.prose(block.label)}: " if block.label else ""
    return rf"\item {label}${shortened(shown.block(block), full)}$"


#: How each kind of detail block is written: one list item each.
WRITE: dict[type, Callable[[Any, bool, Shown], str]] = {Sentence: _prose, Math: _math, ProductSum: _math}


def _tabular(title: str, header: list[str], rows: list[list[str]], align: str) -> list[str]:
    return [
        r"\par\medskip",
        rf"\emph{{{title}}}\par",
        rf"\begin{{tabular}}{{{align}}}",
        " & ".join(header) + r" \\ \hline",
        *(" & ".join(row) + r" \\" for row in rows),
        r"\end{tabular}\par\medskip",
    ]


def _table(table: Table, full: bool, shown: Shown) -> list[str]:
    table = summarised_table(table, full)
    align = "".join("r" if column.numeric else "l" for column in table.columns)
    header = [escaped(column.title) for column in table.columns]
    rows = [[shown.prose(cell_text(c, col)) for c, col in zip(row, table.columns, strict=True)] for row in table.rows]
    footer = [shown.prose(line) + r"\par" for line in table.footer]
    return [*_tabular(shown.prose(table.title), header, rows, align), *footer]


def _grid(view: Grid, full: bool, shown: Shown) -> list[str]:
    """One table per channel, rows and columns numbered, marked cells in bold."""
    lines: list[str] = []
    for channel, grid, marks in planes(view):
        rows = cell_rows(grid, marks)
        legend = f" (bold: {view.legend.removeprefix('[ ] ')})" if marks and view.legend else ""
        title = shown.prose(caption(view, grid) + (f", {channel}" if channel else "") + legend)
        header = ["", *(str(c + 1) for c in range(len(rows[0])))]
        cells = [
            [str(r + 1), *(rf"\textbf{{{escaped(t[1:-1])}}}" if t.startswith("[") else escaped(t) for t in row)]
            for r, row in enumerate(rows)
        ]
        lines += _tabular(title, header, cells, "r|" + "r" * len(rows[0]))
    return lines


#: How each kind of view is drawn.
DRAW: dict[type, Callable[[Any, bool, Shown], list[str]]] = {Grid: _grid, Table: _table}


def write_handout(sheet: Sheet, out: TextIO) -> None:
    """The questions only (``--questions``): no answer and no worked step anywhere."""
    write_sheet(sheet, out, full=False, questions=True)
