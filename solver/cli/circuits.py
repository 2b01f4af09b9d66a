"""Quick command for computational graphs: graph."""

from __future__ import annotations

from typing import Annotated

import typer

from solver.cli.output import FormatOption, JsonOption, OutputFormat, chosen_format, emit
from solver.graph.errors import InputError


def input_values(assignments: list[str]) -> dict[str, float]:
    """``["x=-2", "y=5"]`` -> {"x": -2.0, "y": 5.0}."""
    values: dict[str, float] = {}
    for assignment in assignments:
        name, equals, number = assignment.partition("=")
        name = name.strip()
        if not equals or not name:
            raise InputError(f"input {assignment[:40]!r}: expected NAME=NUMBER, e.g. x=-2")
        if name in values:
            raise InputError(f"input {name!r} is given twice; expected one value per input")
        try:
            values[name] = float(number)
        except ValueError:
            raise InputError(
                f"input {name}: {number[:40]!r} is not a number; expected NAME=NUMBER, e.g. x=-2"
            ) from None
    return values


def graph(
    expression: Annotated[str, typer.Argument(help='The circuit: "f = (x + y) * z" (+ − * / ^, exp, sigmoid, ...).')],
    inputs: Annotated[list[str], typer.Argument(help="The value of every input: x=-2 y=5 z=-4.")],
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
) -> None:
    """A computational graph worked as a circuit: each gate forward, then each gradient backward."""
    from solver.kinds.circuits import graph as kind

    given = kind.Given(expression=expression, inputs=input_values(inputs))
    try:
        solution = kind.solve(given)
    except InputError as error:
        raise error.located("EXPRESSION" if error.field == "expression" else "INPUTS") from None
    emit(solution, chosen_format(fmt, as_json))


def register(app: typer.Typer) -> None:
    app.command("graph")(graph)
