"""How step values look: as text, as LaTeX, and as JSON.

Values are ints, floats, fractions, shapes, NumPy arrays, SymPy expressions or
strings.  NumPy and SymPy are recognised by duck typing so that this module
stays cheap to import on the paths that never touch them.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Literal

Style = Literal["text", "latex"]

#: Significant digits shown for floats (JSON always carries full precision).
DISPLAY_DIGITS = 6


class Shape(tuple):
    """A size written H x W x C; JSON turns it into a list."""

    def __new__(cls, dims: Any) -> Shape:
        # A fractional size only arises from a wrong rule (a grader's mistake variant): keep it visible.
        return super().__new__(cls, (int(d) if d == int(d) else d for d in dims))

    def __str__(self) -> str:
        return "×".join(str(d) for d in self)

    def __repr__(self) -> str:
        return f"Shape({self!s})"


def _is_numpy(value: Any) -> bool:
    return type(value).__module__.startswith("numpy")


def _is_sympy(value: Any) -> bool:
    return type(value).__module__.startswith("sympy")


def format_number(x: float | int | Fraction, style: Style = "text") -> str:
    """A number as the notes print it: integers exact, floats to DISPLAY_DIGITS."""
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int):
        return str(x)
    if isinstance(x, Fraction):
        if x.denominator == 1:
            return str(x.numerator)
        if style == "latex":
            sign = "-" if x < 0 else ""
            return rf"{sign}\frac{{{abs(x.numerator)}}}{{{x.denominator}}}"
        return f"{x.numerator}/{x.denominator}"
    x = float(x)
    if math.isnan(x):
        return "undefined"
    if math.isinf(x):
        return ("-" if x < 0 else "") + (r"\infty" if style == "latex" else "∞")
    if x == 0:
        return "0"
    text = f"{x:.{DISPLAY_DIGITS}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        exponent = str(int(exponent))
        if style == "latex":
            return rf"{mantissa} \times 10^{{{exponent}}}"
        return f"{mantissa}e{exponent}"
    return text


def format_value(value: Any, style: Style = "text") -> str:
    """Any step value, for a person."""
    if value is None:
        return "—"
    if isinstance(value, Shape):
        return r" \times ".join(str(d) for d in value) if style == "latex" else str(value)
    if _is_numpy(value):
        if getattr(value, "ndim", 0) == 0:
            return format_number(value.item(), style)
        return format_array(value.tolist(), style)
    if _is_sympy(value):
        if getattr(value, "is_Matrix", False):
            return format_array(value.tolist(), style)
        if value.is_Number:
            number = value.p if value.is_Integer else float(value)
            return format_number(number, style)
        if style == "latex":
            import sympy

            return sympy.latex(value)
        return str(value).replace("**", "^")
    if isinstance(value, (int, float, Fraction)):
        return format_number(value, style)
    if isinstance(value, (list, tuple)):
        return format_array(list(value), style)
    return str(value)


def format_array(rows: list, style: Style) -> str:
    """A vector or matrix; in LaTeX a vector is a column, as the notes write it."""
    if style == "latex":
        if rows and isinstance(rows[0], list):
            body = r" \\ ".join(" & ".join(format_value(x, style) for x in row) for row in rows)
        else:
            body = r" \\ ".join(format_value(x, style) for x in rows)
        return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"
    return "[" + ", ".join(format_value(x, style) for x in rows) + "]"


def to_json(value: Any) -> Any:
    """A JSON-ready value: shapes and arrays as (nested) lists, numbers as numbers."""
    if isinstance(value, Shape):
        return list(value)
    if _is_numpy(value):
        return to_json(value.tolist())
    if _is_sympy(value):
        if getattr(value, "is_Matrix", False):
            return to_json(value.tolist())
        if value.is_Integer:
            return int(value)
        if value.is_Number:
            return to_json(float(value))
        return str(value)
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value
