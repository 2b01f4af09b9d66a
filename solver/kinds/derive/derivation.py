"""Kind ``derive``: a derivation whose answers are expressions in declared symbols.

The author writes each step's reference expression; it is read by the same
whitelisting parser as students' answers (``solver.math.expressions``), never run
as code.  A homework's ``derive:`` entry is a problem of this kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from solver.graph.errors import InputError
from solver.graph.steps import Solution
from solver.kinds import GIVEN_CONFIG

KIND = "derive"

#: The slips every step of a derivation declares, as factors of the author's expression: with no
#: rule written down, a constant factor is what can be told (name, feedback, factor).
SLIPS = (
    ("factor_2", "Your expression is twice the answer: a factor 2 too many (the ½ of the squared loss?).", "2"),
    (
        "factor_half",
        "Your expression is half the answer: a factor 2 is missing (from the derivative of a square?).",
        "1/2",
    ),
    ("sign_flipped", "Your expression has the opposite sign: check the order of a difference such as ŷ − y.", "-1"),
)


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    symbols: list[str]
    """The symbols the answers may use, e.g. [w, b, x, y]."""
    steps: dict[str, str]
    """Step name -> the reference expression."""


def solve(given: Given, title: str | None = None) -> Solution:
    import sympy

    from solver.graph.formula import Template
    from solver.graph.steps import Step, Variant
    from solver.math.expressions import ParseError, parse_expression

    solution = Solution(KIND, title or "Derivation")
    solution.symbols = tuple(given.symbols)
    for name, text in given.steps.items():
        try:
            expression = parse_expression(text, given.symbols)
        except ParseError as error:
            raise InputError(error.one_line, field=f"steps.{name}") from None
        solution.add(
            Step(
                name,
                f"{{{name}}} in terms of {', '.join('{' + symbol + '}' for symbol in given.symbols)}",
                # The author's expression is the problem's data: the step has no parents.
                compute=lambda e=expression: e,
                formula=Template(" ".join(text.split())),  # parsed, so only names, numbers and operators
                variants=tuple(
                    Variant(name, feedback, lambda e=expression, f=factor: sympy.Rational(f) * e)
                    for name, feedback, factor in SLIPS
                ),
            )
        )
    return solution
