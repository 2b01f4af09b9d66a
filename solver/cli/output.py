"""Printing solutions in the format a command was asked for (``solver.render.FORMATS``)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from solver.graph.errors import InputError
from solver.graph.steps import Solution
from solver.render import FORMATS

if TYPE_CHECKING:
    from solver.render import Renderer

#: The choices of ``--format``: one per registered format.
OutputFormat = Enum("OutputFormat", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]

_CHOICES = ", ".join(f"{f.name} ({f.description})" for f in FORMATS.values())
FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help=f"One of {_CHOICES}.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (same as --format json).")]
FullOption = Annotated[
    bool,
    typer.Option("--full", help="Leave nothing out: every time step in text, large given arrays (an image) in JSON."),
]

OutOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file; its extension (.html, .md, .json, ...) names the format."),
]
QuestionsOption = Annotated[
    bool, typer.Option("--questions", help="The handout: statements, given data and room for the answers, no answers.")
]


#: The option each window field (of the map and size commands) comes from, named in their errors;
#: errors about an image or a kernel name it themselves.  Here, not with the map commands, so that
#: the size commands' start-up does not build the map commands.
WINDOW_OPTIONS = {
    "stride": "--stride",
    "padding": "--padding",
    "padding_mode": "--padding-mode",
    "output_padding": "--output-padding",
    "dilation": "--dilation",
    "bias": "--bias",
    "groups": "--groups",
    "window": "--window",
    "mode": "--mode",
}


def solve_naming_options(solve: Callable[[Any], Any], given: Any, options: dict[str, str]) -> Any:
    """Solve, naming the command-line option (``options``: field -> option) an error is about."""
    try:
        return solve(given)
    except InputError as error:
        option = _option_of(error, options)
        raise (error.located(option) if option else error) from None


def _option_of(error: InputError, options: dict[str, str]) -> str | None:
    """The option an error's field came from; a layer's with its number (``--layer 2``),
    unless the message already names the layer."""
    top, _, rest = (error.field or "").partition(".")
    option = options.get(top)
    index = rest.split(".")[0]
    if top != "layers" or option is None or not index.isdigit():
        return option
    number = int(index) + 1
    return option if error.message.startswith(f"layer {number}") else f"{option} {number}"


#: The format an output file's extension names.
EXTENSIONS = {".html": "html", ".pdf": "pdf", ".tex": "tex", ".md": "md", ".json": "json"}


def chosen_format(fmt: OutputFormat, as_json: bool, out: Path | None = None) -> str:
    """The name of the format to write: an output file's extension, else ``--json``, else ``--format``."""
    if out is None:
        return "json" if as_json else fmt.value
    name = EXTENSIONS.get(out.suffix.lower())
    if name is None or name not in FORMATS:
        known = ", ".join(e for e, n in EXTENSIONS.items() if n in FORMATS)
        raise InputError(f"cannot tell the format of {str(out)!r} from its extension; use one of {known}")
    # --format left at its default says nothing; one that names another format than the file's is a slip.
    asked = "json" if as_json else fmt.value
    if asked not in ("term", name):
        given = "--json" if as_json else f"--format {asked}"
        raise InputError(f"{given} and {str(out)!r}, a {name} file, ask for two formats; expected one of them")
    return name


def emit(solution: Solution, fmt: str, full: bool = False) -> None:
    """Print ``solution`` (summarised where it is long, unless ``full``); only the chosen format's module is loaded."""
    FORMATS[fmt].renderer().write_solution(solution, sys.stdout, full)


def handout_renderer(fmt: str) -> Renderer:
    """The renderer of ``fmt``, which must write handouts (``--questions``)."""
    if not FORMATS[fmt].handout:
        formats = ", ".join(f.name for f in FORMATS.values() if f.handout)
        raise InputError(f"--questions writes a handout in {formats}, not {fmt}")
    return FORMATS[fmt].renderer()


def written_to(out: Path, data: bytes) -> None:
    """``data`` as the whole file ``out``: written beside it, then moved in place.

    A failure (no such folder, no permission) leaves nothing half-written.
    """
    from solver.files.writing import atomic_file

    try:
        with atomic_file(out, "wb") as file:
            file.write(data)
    except OSError as error:
        raise InputError(f"cannot write {str(out)!r}: {error.strerror or error}") from None


def console():
    from rich.console import Console

    return Console(highlight=False)
