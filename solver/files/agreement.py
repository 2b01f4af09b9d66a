"""Does a computed value agree with what a source document states?

A stated number is taken at its own precision: ``4.91807`` agrees with any
value within 0.51 units of its last digit, so a document that rounds is not
contradicted by a solver that does not.
"""

from __future__ import annotations

import math
from typing import Any

from solver.graph.values import is_numpy, is_sympy


def last_digit_unit(stated: float | int) -> float:
    """One unit of the last digit written: 4.91807 -> 1e-5, 8.992e-07 -> 1e-10, 5 -> 1."""
    if isinstance(stated, int):
        return 1.0
    text = repr(float(stated)).lower()
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    if mantissa.endswith(".0"):
        decimals = 0
    return 10.0 ** (int(exponent or 0) - decimals)


def agrees(computed: Any, stated: Any) -> bool:
    if is_numpy(computed) or (is_sympy(computed) and getattr(computed, "is_Matrix", False)):
        computed = computed.tolist()
    if is_sympy(computed) and not computed.is_Number:
        return _symbolic_agrees(computed, stated)
    if isinstance(stated, str):
        return _text_agrees(computed, stated)
    if isinstance(stated, (list, tuple)):
        if not isinstance(computed, (list, tuple)) or len(computed) != len(stated):
            return False
        return all(agrees(c, s) for c, s in zip(computed, stated, strict=False))
    if isinstance(stated, bool) or not isinstance(stated, (int, float)):
        return computed == stated
    try:
        value = float(computed)
    except (TypeError, ValueError):
        return False
    return math.isclose(value, stated, rel_tol=0, abs_tol=0.51 * last_digit_unit(stated))


def _text_agrees(computed: Any, stated: str) -> bool:
    from solver.graph.errors import InputError
    from solver.math.sizes import parse_dims

    if isinstance(computed, (tuple, list)):
        try:
            return tuple(computed) == parse_dims(stated, "stated size", max_dims=4)
        except InputError:
            return False
    return str(computed).replace(" ", "") == stated.replace(" ", "")


def _symbolic_agrees(computed: Any, stated: Any) -> bool:
    """Whether the stated expression (text read by the project's own parser) equals ``computed``.

    Its symbols are the computed expression's; text that is not an allowed
    expression in them is an error of the problem file.
    """
    from solver.graph.errors import InputError
    from solver.math.equivalence import equivalent
    from solver.math.expressions import ParseError, parse_expression

    if isinstance(stated, bool) or not isinstance(stated, (str, int, float)):
        return False
    try:
        expected = parse_expression(str(stated), sorted(s.name for s in computed.free_symbols))
    except ParseError as error:
        raise InputError(f"cannot read the stated expression: {error}") from None
    return equivalent(computed, expected).equivalent
