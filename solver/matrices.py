"""Matrices from text or files: what the command line and students' answers write.

Accepted forms (``what`` names the argument in error messages)::

    "1 0 1; 0 1 0"           rows by ';' (or new lines), entries by spaces or commas
    "[[1,0,1],[0,1,0]]"      JSON; nest three deep for C x H x W channels
    "[1, 2, 3]" or "1 2 3"   a single row: a vector
    image.txt / .csv         the text form in a file (rows on lines)
    image.npy                a NumPy array file (no pickles)

Nothing is ever evaluated: numbers are read by ``float`` and JSON by ``json``.
Every problem is an ``InputError`` that says what, where and what was expected.

>>> parse_matrix("1 0; 0 1", "answer").tolist()
[[1.0, 0.0], [0.0, 1.0]]
>>> parse_matrix("[[[1, 2]], [[3, 4]]]", "image").shape
(2, 1, 2)
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from solver.errors import InputError
from solver.values import counted

__all__ = ["FILE_SUFFIXES", "load_matrix", "matrix_from_data", "parse_matrix", "read_matrix_file"]

#: File types ``load_matrix`` reads; any other existing path is an error, not text.
FILE_SUFFIXES = (".txt", ".csv", ".npy")

_ENTRY_SEPARATORS = re.compile(r"[\s,]+")


def parse_matrix(text: str, what: str = "matrix") -> np.ndarray:
    """A float array from matrix text: rows by ';' or new lines, or JSON lists.

    One row gives a 1-D vector, several rows a 2-D matrix, JSON nested three
    deep a 3-D C x H x W array.
    """
    stripped = text.strip()
    if not stripped:
        raise InputError(f"{what} is empty; expected rows like '1 0 1; 0 1 0' or JSON like [[1,0,1],[0,1,0]]")
    if stripped.startswith("["):
        return _from_json(stripped, what)
    return _from_rows(stripped, what)


def load_matrix(arg: str, what: str = "matrix") -> np.ndarray:
    """``arg`` as a path to a .txt/.csv/.npy file if it names one, else as matrix text."""
    candidate = arg.strip()
    if candidate.lower().endswith(FILE_SUFFIXES) and not candidate.startswith("["):
        return read_matrix_file(Path(candidate), what)
    return parse_matrix(arg, what)


def matrix_from_data(data: Any, what: str = "matrix") -> np.ndarray:
    """A matrix from a problem file's field: text or a path (``load_matrix``), a number, or nested lists."""
    if isinstance(data, str):
        return load_matrix(data, what)
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        data = [data]
    _check_nesting(data, what, (), _depth(data))
    return _checked_numeric(np.array(data, dtype=float), what)


def read_matrix_file(path: Path, what: str = "matrix") -> np.ndarray:
    """A matrix from a .txt or .csv file (the text form) or a .npy file."""
    try:
        if path.suffix.lower() == ".npy":
            array = np.load(path, allow_pickle=False)
        else:
            return parse_matrix(path.read_text(encoding="utf-8"), f"{what} ({path})")
    except InputError:
        raise
    except (OSError, ValueError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError(
            f"cannot read the {what} file {str(path)!r}: {reason}; expected a readable .txt, .csv or .npy file"
        ) from None
    return _checked_numeric(array, f"{what} ({path})")


def _from_rows(text: str, what: str) -> np.ndarray:
    rows = [row.strip() for row in re.split(r"[;\n]", text)]
    # A trailing ';' or blank lines are layout, not empty rows.
    rows = [row for row in rows if row]
    if not rows:
        raise InputError(f"{what} has no entries; expected rows like '1 0 1; 0 1 0'")
    parsed = [[_number(entry, what, r, c) for c, entry in enumerate(_entries(row), 1)] for r, row in enumerate(rows, 1)]
    _check_ragged(parsed, what)
    array = np.array(parsed, dtype=float)
    return array[0] if len(parsed) == 1 else array


def _entries(row: str) -> list[str]:
    return [entry for entry in _ENTRY_SEPARATORS.split(row) if entry]


def _number(entry: str, what: str, row: int, column: int) -> float:
    try:
        value = float(entry)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InputError(f"{what}: row {row}, column {column} ({entry!r}) is not a number; expected numbers")
    return value


def _check_ragged(rows: list[list[Any]], what: str) -> None:
    expected = len(rows[0])
    for number, row in enumerate(rows, 1):
        if len(row) != expected:
            raise InputError(
                f"{what}: row {number} has {_count(len(row))} but row 1 has {expected}; expected rows of equal length"
            )


def _count(count: int, level: int = -1, depth: int = 2) -> str:
    """'3 entries' or, for the rows of a channel (``level`` 0 of 3 axes), '3 rows'."""
    return counted(count, "row") if depth == 3 and level == 0 else counted(count, "entry", "entries")


def _from_json(text: str, what: str) -> np.ndarray:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{what} is not valid JSON ({error.msg} at character {error.pos + 1}); expected e.g. [[1,0,1],[0,1,0]]"
        ) from None
    _check_nesting(data, what, (), _depth(data))
    return _checked_numeric(np.array(data, dtype=float), what)


def _check_nesting(data: Any, what: str, path: tuple[int, ...], depth: int) -> None:
    """Walk JSON lists so that a ragged or non-numeric entry is named by its position (1-based)."""
    where = _position(path, depth)
    if isinstance(data, list):
        if not data:
            raise InputError(f"{what}: {where} is an empty list; expected numbers")
        if len({isinstance(item, list) for item in data}) > 1 or len({_depth(item) for item in data}) > 1:
            raise InputError(f"{what}: {where} mixes numbers and lists; expected a regular array")
        for i, item in enumerate(data, 1):
            _check_nesting(item, what, (*path, i), depth)
        lengths = [len(item) for item in data if isinstance(item, list)]
        if lengths and len(set(lengths)) > 1:
            bad = next(i for i, n in enumerate(lengths) if n != lengths[0])
            raise InputError(
                f"{what}: {_position((*path, bad + 1), depth)} has {_count(lengths[bad], len(path), depth)} but "
                f"{_position((*path, 1), depth)} has {lengths[0]}; expected rows of equal length"
            )
        return
    if isinstance(data, bool) or not isinstance(data, (int, float)):
        raise InputError(f"{what}: {where} ({json.dumps(data)}) is not a number; expected numbers")


def _position(path: tuple[int, ...], depth: int) -> str:
    """'row 2', 'channel 1, row 2' or 'row 2, column 3' for a JSON index path."""
    if not path:
        return "the top level"
    names = {1: ("entry",), 2: ("row", "column")}.get(depth, ("channel", "row", "column"))
    return ", ".join(f"{name} {i}" for name, i in zip(names, path, strict=False))


def _depth(data: Any) -> int:
    return 1 + _depth(data[0]) if isinstance(data, list) and data else int(isinstance(data, list))


def _checked_numeric(array: np.ndarray, what: str) -> np.ndarray:
    if array.dtype.kind not in "biuf":
        raise InputError(f"{what} holds {array.dtype} values; expected numbers")
    if array.size == 0:
        raise InputError(f"{what} is empty; expected at least one number")
    if array.ndim > 3:
        raise InputError(f"{what} has {array.ndim} axes; expected a vector, an H x W matrix or C x H x W channels")
    array = array.astype(float)
    if not np.isfinite(array).all():
        position = tuple(int(i) + 1 for i in np.argwhere(~np.isfinite(array))[0])
        raise InputError(f"{what}: entry at {list(position)} is not a finite number; expected finite numbers")
    return array
