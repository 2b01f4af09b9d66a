"""How step values look: as text, as LaTeX, and as JSON.

Values are ints, floats, fractions, shapes, NumPy arrays, SymPy expressions or
strings.  NumPy and SymPy are recognised by duck typing so that this module
stays cheap to import on the paths that never touch them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from solver.graph.formula import Style

#: Significant digits shown for floats (JSON always carries full precision).
DISPLAY_DIGITS = 6

#: Arrays with more entries are shown by their corners, so that text never grows with an
#: image; JSON always carries the whole value.
SUMMARY_ENTRIES = 400
#: Entries shown at each end of a summarized axis.
EDGE_ENTRIES = 3


class Shape(tuple):
    """A size written H x W x C; JSON turns it into a list."""

    def __new__(cls, dims: Any) -> Shape:
        # A fractional size only arises from a wrong rule (a grader's mistake variant): keep it visible.
        return super().__new__(cls, (int(d) if d == int(d) else d for d in dims))

    def __str__(self) -> str:
        return "×".join(str(d) for d in self)

    def __repr__(self) -> str:
        return f"Shape({self!s})"


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``1 kernel``, ``3 kernels``, ``2 entries`` (give the plural when it is not the singular + s).

    >>> counted(1, "problem"), counted(2, "entry", "entries")
    ('1 problem', '2 entries')
    """
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def is_numpy(value: Any) -> bool:
    """Whether ``value`` is a NumPy array or scalar (asked without importing NumPy)."""
    return type(value).__module__.startswith("numpy")


def is_sympy(value: Any) -> bool:
    """Whether ``value`` is a SymPy expression (asked without importing SymPy)."""
    # The MRO, not just the type: a project's own SymPy functions (ReLU, σ) are SymPy values too.
    return any(k.__module__.startswith("sympy") for k in type(value).__mro__[:-1])


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


def format_term(value: Any, style: Style = "text") -> str:
    """A value put into a sum or product: a negative one keeps its sign to itself, ``(-2)``; ``3`` stays bare."""
    text = format_value(value, style)
    return f"({text})" if text.startswith("-") else text


def format_value(value: Any, style: Style = "text") -> str:
    """Any step value, for a person."""
    if value is None:
        return "—"
    if isinstance(value, Shape):
        return r" \times ".join(str(d) for d in value) if style == "latex" else str(value)
    if is_numpy(value):
        if getattr(value, "ndim", 0) == 0:
            return format_number(value.item(), style)
        if value.size > SUMMARY_ENTRIES:
            return format_corners(value, style)
        return format_array(value.tolist(), style)
    # Plain numbers first: an array's entries are thousands of them, and the SymPy test walks the MRO.
    if isinstance(value, (int, float, Fraction)):
        return format_number(value, style)
    if is_sympy(value):
        if getattr(value, "is_Matrix", False):
            return format_array(value.tolist(), style)
        if value.is_Number:
            number = value.p if value.is_Integer else float(value)
            return format_number(number, style)
        from solver.graph.symbolic import show_expression  # SymPy is loaded already: the value is one

        return show_expression(value, style)
    if isinstance(value, (list, tuple)):
        return format_array(list(value), style)
    return str(value)


def format_array(rows: list, style: Style = "text") -> str:
    """A vector or matrix; in LaTeX a vector is a column, as the notes write it."""
    if style == "latex":
        if rows and isinstance(rows[0], list) and rows[0] and isinstance(rows[0][0], list):
            # Channels (C×H×W) side by side, each a matrix: entry by entry, an image's rows would be columns.
            channels = " & ".join(format_array(channel, style) for channel in rows)
            return rf"\begin{{bmatrix}} {channels} \end{{bmatrix}}"
        if rows and isinstance(rows[0], list):
            body = r" \\ ".join(" & ".join(format_value(x, style) for x in row) for row in rows)
        else:
            body = r" \\ ".join(format_value(x, style) for x in rows)
        return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"
    return _listed(format_value(x, style) for x in rows)


def format_corners(array: Any, style: Style = "text") -> str:
    """A large NumPy array by its first and last EDGE_ENTRIES along each axis, with its shape."""
    shape = (r" \times " if style == "latex" else "×").join(str(n) for n in array.shape)
    if style == "latex" and array.ndim == 2:
        rows = [_edge_items(row, "latex", r"\cdots") for row in _edges(array)]
        if array.shape[0] > 2 * EDGE_ENTRIES:
            dots = [r"\vdots"] * len(rows[0])
            if array.shape[1] > 2 * EDGE_ENTRIES:
                dots[EDGE_ENTRIES] = r"\ddots"
            rows.insert(EDGE_ENTRIES, dots)
        body = r" \\ ".join(" & ".join(row) for row in rows)
        return rf"\underset{{{shape}}}{{\begin{{bmatrix}} {body} \end{{bmatrix}}}}"
    ellipsis = r"\ldots" if style == "latex" else "…"
    return f"{_nested_corners(array, style, ellipsis)} ({shape})"


def _edges(array: Any) -> list[Any]:
    """The first and last EDGE_ENTRIES items of the first axis (all of them if few)."""
    if len(array) <= 2 * EDGE_ENTRIES:
        return list(array)
    return list(array[:EDGE_ENTRIES]) + list(array[-EDGE_ENTRIES:])


def _edge_items(vector: Any, style: Style, ellipsis: str) -> list[str]:
    items = [format_number(x.item(), style) for x in _edges(vector)]
    if len(vector) > 2 * EDGE_ENTRIES:
        items.insert(EDGE_ENTRIES, ellipsis)
    return items


def _nested_corners(array: Any, style: Style, ellipsis: str) -> str:
    if array.ndim == 1:
        return _listed(_edge_items(array, style, ellipsis))
    parts = [_nested_corners(sub, style, ellipsis) for sub in _edges(array)]
    if len(array) > 2 * EDGE_ENTRIES:
        parts.insert(EDGE_ENTRIES, ellipsis)
    return _listed(parts)


def _listed(items: Iterable[str]) -> str:
    """``[a, b, c]``: how plain text writes a vector, and (nested) a matrix."""
    return "[" + ", ".join(items) + "]"


def _all_finite(array: Any) -> bool:
    import numpy

    return bool(numpy.isfinite(array).all())


def is_finite(value: Any) -> bool:
    """Whether every number in ``value`` (a number, an array, nested lists) is finite.

    Symbolic values and text count as finite: only numbers can overflow.
    """
    if isinstance(value, float):
        return math.isfinite(value)
    if is_numpy(value):
        return getattr(value, "dtype", None) is None or value.dtype.kind not in "fc" or _all_finite(value)
    if isinstance(value, (list, tuple)):
        return all(is_finite(item) for item in value)
    return True


def to_json(value: Any) -> Any:
    """A JSON-ready value: shapes and arrays as (nested) lists, numbers as numbers."""
    if isinstance(value, Shape):
        return list(value)
    if is_numpy(value):
        # Finite numbers are JSON-ready as ``tolist`` gives them: skip the walk (a map may hold millions).
        if value.dtype.kind in "biu" or (value.dtype.kind == "f" and _all_finite(value)):
            return value.tolist()
        return to_json(value.tolist())
    if is_sympy(value):
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
