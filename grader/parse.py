"""Reading a student's answer for a step, in the form the step's value takes.

What a student may write depends on what is expected:

* a number: ``4``, ``-0.25``, ``3/4``, ``1.2e-3``, ``8.992*10^-7`` (as the notes print it);
* a shape: ``10x10``, ``10 × 10``, ``[10, 10]``, ``7x7x40`` (a bare ``1960`` for a length);
  ``7.5 x 10.5`` too: a size with the floor left out is a slip to judge, not unreadable;
* a vector or matrix: a YAML list (nested for a matrix), ``"1 0; 0 1"`` or JSON text;
* a symbolic expression: text read by ``solver.math.expressions`` (never evaluated as code).

Every failure is an ``AnswerError`` with a reason fit to show the student.
NaN and infinities are refused: no step of an exercise has them as an answer.

>>> parse_number("3/4")
0.75
>>> parse_number("8.992*10^-7")
8.992e-07
>>> parse_shape("7x7x40")
Shape(7×7×40)
"""

from __future__ import annotations

import datetime
import math
import re
from fractions import Fraction
from typing import Any

from solver.graph.values import Shape, is_numpy, is_sympy

#: Largest matrix a student may hand in (entries); the exercises have a few dozen.
MAX_ENTRIES = 10_000


class AnswerError(ValueError):
    """A student's answer that cannot be read as the kind of value the step has."""


_FRACTION = re.compile(r"^([+-]?\d+)\s*/\s*(\d+)$")
_TIMES_TEN = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))\s*(?:\*|×|x|·)\s*10\s*(?:\^|\*\*)\s*\(?([+-−]?\d+)\)?$")
_FLOAT = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
#: A whole number written with thousands separators, as Keras' summary and nnsolve print counts ("16,010").
_GROUPED_WHOLE = re.compile(r"^([+-]?\d{1,3})((?:,\d{3})+)$")
_SHAPE_SEPARATOR = re.compile(r"\s*(?:x|X|×|\*|,)\s*")


def parse_number(raw: Any) -> float | int:
    """A finite number from a YAML number or text (fractions, e-notation, ``a*10^b``)."""
    if isinstance(raw, bool) or raw is None:
        raise AnswerError(f"expected a number, got {_shown(raw)}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return _finite(raw)
    if not isinstance(raw, str):
        raise AnswerError(f"expected a number, got {_shown(raw)}")
    text = raw.strip().replace("−", "-")
    if len(text) > 60:
        raise AnswerError(f"expected a number, got {len(text)} characters of text")
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if fraction := _FRACTION.match(text):
        if int(fraction[2]) == 0:
            raise AnswerError(f"{text} divides by zero; expected a number")
        return float(Fraction(int(fraction[1]), int(fraction[2])))
    if power := _TIMES_TEN.match(text):
        exponent = int(power[2].replace("−", "-"))
        if abs(exponent) > 300:
            raise AnswerError(f"{text} is out of range; expected a power of ten within ±300")
        return _finite(float(f"{power[1]}e{exponent}"))
    if _FLOAT.match(text):
        return _finite(float(text))
    raise AnswerError(f"expected a number such as 0.25, 3/4 or 1.2e-3, got {_shown(raw)}")


def _finite(x: float) -> float:
    if not math.isfinite(x):
        raise AnswerError(f"{x} is not a finite number; expected a number")
    return x


def parse_shape(raw: Any) -> Shape:
    """A size such as ``10x10``, ``[10, 10]`` or ``7x7x40``; numbers of zero or more."""
    if isinstance(raw, bool):
        raise AnswerError(f"expected a size such as 5x4, got {_shown(raw)}")
    if isinstance(raw, (int, float)):
        parts: list[Any] = [raw]
    elif isinstance(raw, (list, tuple)):
        parts = list(raw)
    elif isinstance(raw, str) and raw.strip():
        text = raw.strip().strip("()[]")
        parts = [p for p in _SHAPE_SEPARATOR.split(text) if p != ""]
    else:
        raise AnswerError(f"expected a size such as 5x4 or [5, 4], got {_shown(raw)}")
    if not 1 <= len(parts) <= 4:
        raise AnswerError(f"expected a size of 1 to 4 numbers such as 5x4, got {_shown(raw)}")
    dims = [_size_number(part, raw) for part in parts]
    return Shape(dims)


def _size_number(part: Any, raw: Any) -> int | float:
    """One dimension of a size: a number of zero or more (whole, or not when the floor was left out)."""
    if isinstance(part, str):
        try:
            part = parse_number(part)
        except AnswerError:
            raise AnswerError(f"{_shown(part)} is not a number in the size {_shown(raw)}") from None
    if isinstance(part, bool) or not isinstance(part, (int, float)) or not math.isfinite(part) or part < 0:
        raise AnswerError(f"{_shown(part)} is not a size (a number of zero or more) in {_shown(raw)}")
    return int(part) if float(part).is_integer() else part


def parse_array(raw: Any) -> Any:
    """A float array from a (nested) YAML list or matrix text; numbers in it may be fractions."""
    import numpy as np

    if isinstance(raw, str):
        from solver.files.matrices import parse_matrix
        from solver.graph.errors import InputError

        if len(raw) > 20 * MAX_ENTRIES:
            raise AnswerError("matrix text is too long")
        try:
            return parse_matrix(raw, "matrix text")
        except InputError as error:
            raise AnswerError(error.message) from None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return np.array([float(parse_number(raw))])
    if not isinstance(raw, list) or not raw:
        raise AnswerError(f"expected a vector or matrix (a list, or rows like '1 0; 0 1'), got {_shown(raw)}")
    rows = [_array_row(row, i) for i, row in enumerate(raw, start=1)]
    lengths = {len(r) if isinstance(r, list) else -1 for r in rows}
    if len(lengths) > 1:
        raise AnswerError("rows have different lengths; expected a rectangular matrix")
    array = np.array(rows, dtype=float)
    if array.size > MAX_ENTRIES:
        raise AnswerError(f"{array.size} entries is too many; expected at most {MAX_ENTRIES}")
    return array


def _array_row(row: Any, number: int) -> Any:
    if isinstance(row, list):
        if len(row) > MAX_ENTRIES:
            raise AnswerError(f"row {number} is too long")
        try:
            return [float(parse_number(x)) for x in row]
        except AnswerError as error:
            raise AnswerError(f"row {number}: {error}") from None
    try:
        return float(parse_number(row))
    except AnswerError as error:
        raise AnswerError(f"entry {number}: {error}") from None


def value_kind(expected: Any) -> str:
    """How a step's value is graded: "shape", "integer", "number", "array" or "expression"."""
    if isinstance(expected, Shape):
        return "shape"
    if is_numpy(expected):
        return "array" if getattr(expected, "ndim", 0) > 0 else "number"
    if is_sympy(expected):
        if getattr(expected, "is_Matrix", False):
            return "array"
        return "number" if expected.is_Number else "expression"
    if isinstance(expected, bool):
        return "other"
    if isinstance(expected, int):
        return "integer"
    if isinstance(expected, (float, Fraction)):
        return "number"
    if isinstance(expected, (list, tuple)):
        return "array"
    return "other"


def parse_answer(raw: Any, kind: str, symbols: tuple[str, ...] = ()) -> Any:
    """The student's ``raw`` YAML value read as ``kind`` (see ``value_kind``)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise AnswerError("empty answer")
    if kind == "shape":
        return parse_shape(raw)
    if kind in ("integer", "number"):
        if isinstance(raw, str) and raw.strip().endswith("%"):
            raise AnswerError(f"expected a number without a percent sign, got {_shown(raw)}")
        # Only where a whole number is expected: there "1,234" cannot be a decimal comma.
        if kind == "integer" and isinstance(raw, str) and (grouped := _GROUPED_WHOLE.match(raw.strip())):
            return int(grouped[1] + grouped[2].replace(",", ""))
        return parse_number(raw)
    if kind == "array":
        return parse_array(raw)
    if kind == "expression":
        from solver.math.expressions import ParseError, parse_expression

        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            raw = str(raw)
        try:
            return parse_expression(raw, symbols)
        except ParseError as error:
            raise AnswerError(error.one_line) from None
    if isinstance(raw, (str, int, float)):
        return raw
    raise AnswerError(f"cannot read {_shown(raw)} for this step")


def _shown(raw: Any) -> str:
    """A student's value as the student wrote it, never as Python spells it (True, b'...', datetime.date(...))."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (bytes, bytearray)):
        return "binary data"
    if isinstance(raw, (set, frozenset)):
        return "a set"
    if isinstance(raw, datetime.date):  # YAML reads 2024-01-31 as a date
        return f"the date {raw.isoformat()}"
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "..."
