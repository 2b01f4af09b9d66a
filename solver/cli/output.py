"""Printing solutions in the format a command was asked for."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

from solver.graph.steps import Solution


class OutputFormat(str, Enum):
    term = "term"
    md = "md"
    json = "json"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="term (coloured steps), md (Markdown sheet) or json.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (same as --format json).")]
FullOption = Annotated[
    bool,
    typer.Option("--full", help="Leave nothing out: every time step in text, large given arrays (an image) in JSON."),
]


def chosen_format(fmt: OutputFormat, as_json: bool) -> OutputFormat:
    return OutputFormat.json if as_json else fmt


def emit(solution: Solution, fmt: OutputFormat, full: bool = False) -> None:
    """Print ``solution`` (summarised where it is long, unless ``full``); JSON and Markdown never import Rich."""
    if fmt is OutputFormat.json:
        from solver.render.json import render_json

        sys.stdout.write(render_json(solution, full) + "\n")
    elif fmt is OutputFormat.md:
        from solver.render.markdown import render_markdown

        sys.stdout.write(render_markdown(solution, full=full))
    else:
        from solver.render.terminal import render_terminal

        console().print(render_terminal(solution, full))


def console():
    from rich.console import Console

    return Console(highlight=False)
