"""Printing solutions in the format a command was asked for (``solver.render.FORMATS``)."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

from solver.graph.steps import Solution
from solver.render import FORMATS

#: The choices of ``--format``: one per registered format.
OutputFormat = Enum("OutputFormat", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]

_CHOICES = ", ".join(f"{f.name} ({f.description})" for f in FORMATS.values())
FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help=f"One of {_CHOICES}.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (same as --format json).")]
FullOption = Annotated[
    bool,
    typer.Option("--full", help="Leave nothing out: every time step in text, large given arrays (an image) in JSON."),
]


def chosen_format(fmt: OutputFormat, as_json: bool) -> str:
    """The name of the format to write: ``--json`` wins over ``--format``."""
    return "json" if as_json else fmt.value


def emit(solution: Solution, fmt: str, full: bool = False) -> None:
    """Print ``solution`` (summarised where it is long, unless ``full``); only the chosen format's module is loaded."""
    FORMATS[fmt].renderer().write_solution(solution, sys.stdout, full)


def console():
    from rich.console import Console

    return Console(highlight=False)
