"""Renderers: one module per output format, chosen from one registry, ``FORMATS``.

A renderer walks a ``Solution`` (or a homework's ``solver.render.sheet.Sheet``): for
each step the chain ``name = formula = formula with numbers = value``
(``solver.render.equation``), the step's ``detail`` blocks and ``views``
(``solver.graph.blocks``), then the solution's tables.  Blocks and views are data;
each format module keeps one table from their kind to its way of drawing them
(``DRAW``), so a format draws everything a kind can show.

Every command (``solve``, the quick commands, a homework's sheet) writes through
``FORMATS``.  A new format joins in one place: a module with ``write_solution`` and
``write_sheet`` (the ``Renderer`` protocol) and its ``DRAW`` table, and one
``Format`` line below.  A format's module is imported only when it is used, so
that a command's start-up never pays for another format's libraries.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from solver.graph.steps import Solution
    from solver.render.sheet import Sheet


class Renderer(Protocol):
    def write_solution(self, solution: Solution, out: TextIO, full: bool) -> None:
        """Write ``solution``; long runs of time steps are summarised unless ``full``."""
        ...

    def write_sheet(self, sheet: Sheet, out: TextIO, full: bool) -> None:
        """Write the solution sheet of a whole homework."""
        ...


@dataclass(frozen=True)
class Format:
    #: What ``--format`` takes.
    name: str
    #: Its module (a ``Renderer``), imported on use.
    module: str
    #: What ``--help`` says it writes.
    description: str
    #: Whether it writes a homework's handout (``write_handout``: the questions without answers).
    handout: bool = False
    #: Writes bytes (a PDF) to the binary stream under its text stream (``out.buffer``).
    binary: bool = False

    def renderer(self) -> Renderer:
        return importlib.import_module(self.module)  # type: ignore[return-value]


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("term", "solver.render.terminal", "coloured steps"),
        Format("md", "solver.render.markdown", "Markdown sheet", handout=True),
        Format("json", "solver.render.json", "machine-readable"),
        Format("html", "solver.render.html", "web page with MathML and figures", handout=True),
        Format("tex", "solver.render.tex", "LaTeX exam-class sheet", handout=True),
        Format("pdf", "solver.render.pdf", "PDF sheet, with nnsolve[pdf]", handout=True, binary=True),
    )
}
