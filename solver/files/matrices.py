"""Matrices from text or files: what the command line and students' answers write.

Accepted forms (``what`` names the argument in error messages)::

    "1 0 1; 0 1 0"           rows by ';' (or new lines), entries by spaces or commas
    "[[1,0,1],[0,1,0]]"      JSON; nest three deep for C x H x W channels
    "[1, 2, 3]" or "1 2 3"   a single row: a vector
    image.txt / .csv         the text form in a file (rows on lines)
    image.npy                a NumPy array file (no pickles)

Nothing is ever evaluated: numbers are read by ``float`` and JSON by ``json``,
and .npy files by their header first (numbers only, never pickled objects).
Files are read through ``solver.files.reading`` (bounded, regular files only); a
relative path written in a problem file is read from that file's folder.
Sizes are bounded before anything is built: at most MAX_ENTRIES entries
(a 2048 x 2048 image) and, in JSON, three levels of lists.
Every problem is an ``InputError`` that says what, where and what was expected.

>>> parse_matrix("1 0; 0 1", "answer").tolist()
[[1.0, 0.0], [0.0, 1.0]]
>>> parse_matrix("[[[1, 2]], [[3, 4]]]", "image").shape
(2, 1, 2)
"""

from __future__ import annotations

import io
import json
import math
import re
import struct
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from solver.files import reading
from solver.graph.errors import InputError
from solver.graph.values import counted

__all__ = ["FILE_SUFFIXES", "load_matrix", "matrix_from_data", "parse_matrix", "read_matrix_file"]

#: File types ``load_matrix`` reads; any other existing path is an error, not text.
FILE_SUFFIXES = (".txt", ".csv", ".npy")

#: Most entries in one matrix: a 2048 x 2048 image.
MAX_ENTRIES = 2048 * 2048
#: Largest .txt/.csv matrix file read: a 2048 x 2048 image at up to 15 characters an entry.
MAX_TEXT_BYTES = 64 << 20
#: Longest .npy header read.  numpy.save writes 128 bytes for any array of numbers; the header is
#: text that numpy reads with ast.literal_eval, so a long one only costs time.
MAX_NPY_HEADER = 1024
#: Lists inside lists in JSON matrix text: channels, rows, columns.
MAX_AXES = 3

#: How a file writes a matrix: text such as ``"1 0; 0 1"`` (or a .txt/.csv/.npy path), or nested lists.
MatrixData = str | list[Any]

_ENTRY_SEPARATORS = re.compile(r"[\s,]+")
_ROW_SEPARATORS = re.compile(r"[;\n]")
#: What changes the nesting of JSON text: brackets, and strings (whose brackets do not count).
_JSON_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


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
        return read_matrix_file(reading.resolved(Path(candidate)), what)
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
            return _checked_numeric(_read_npy(path), f"{what} ({path})")
        text = reading.read_text(path, "file", MAX_TEXT_BYTES, "rows of numbers")
    except InputError as error:
        # Said without a place of its own, so that a problem file's loader can add the field's line.
        raise InputError(f"cannot read the {what} file {str(path)!r}: {error.message}") from None
    return parse_matrix(text, f"{what} ({path})")


def _read_npy(path: Path) -> np.ndarray:
    """The array of a .npy file, its header checked before any data is read."""
    with reading.open_regular(path, "file") as stream:
        shape, fortran_order, dtype = _npy_header(stream)
        size = math.prod(shape) * dtype.itemsize
        data = reading.read_at_most(stream, size + 1, path, "file")
    if len(data) != size:
        found = f"more than {size}" if len(data) > size else f"{len(data)}"
        raise InputError(
            f".npy header announces {size} bytes of data but the file holds {found}; expected what numpy.save writes"
        )
    return np.frombuffer(data, dtype).reshape(shape, order="F" if fortran_order else "C")


#: .npy format version -> how its header length is stored, and numpy's reader of the header.
_NPY_HEADERS = {
    (1, 0): ("<H", np.lib.format.read_array_header_1_0),
    (2, 0): ("<I", np.lib.format.read_array_header_2_0),
}


def _npy_header(stream: BinaryIO) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Shape, order and dtype from a .npy header, refused unless they describe a bounded array of numbers."""
    version = _numpy_header_reader(np.lib.format.read_magic, stream)
    if version not in _NPY_HEADERS:
        raise InputError(_BAD_NPY_HEADER)
    length_format, read_header = _NPY_HEADERS[version]
    # Read the header's length first: numpy would read all of the header before checking its length.
    length_bytes = stream.read(struct.calcsize(length_format))
    if len(length_bytes) != struct.calcsize(length_format):
        raise InputError(_BAD_NPY_HEADER)
    (length,) = struct.unpack(length_format, length_bytes)
    if length > MAX_NPY_HEADER:
        raise InputError(f".npy header of {length} bytes; expected at most {MAX_NPY_HEADER}")
    stream.seek(-len(length_bytes), io.SEEK_CUR)
    shape, fortran_order, dtype = _numpy_header_reader(read_header, stream, max_header_size=MAX_NPY_HEADER)
    _check_npy_contents(shape, dtype)
    return shape, fortran_order, dtype


_BAD_NPY_HEADER = "not a .npy array file (bad header); expected an array saved by numpy.save"


def _numpy_header_reader(read: Callable[..., Any], *args: Any, **options: Any) -> Any:
    """What one of numpy's .npy header readers returns; whatever it trips on is said in nnsolve's words."""
    try:
        # numpy warns about old headers instead of refusing them; here a warning is a refusal.
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return read(*args, **options)
    except Exception:  # the header is hostile bytes: ValueError, SyntaxError, tokenize errors, warnings...
        raise InputError(_BAD_NPY_HEADER) from None


def _check_npy_contents(shape: tuple[int, ...], dtype: np.dtype) -> None:
    if dtype.hasobject:
        raise InputError(
            ".npy file holds Python objects, stored as pickled data, which nnsolve never loads; "
            "expected an array of numbers"
        )
    if dtype.kind not in "biuf":
        raise InputError(f".npy file holds {dtype} values; expected numbers")
    if len(shape) > MAX_AXES or any(n < 0 for n in shape):
        raise InputError(f".npy array of shape {shape}; expected a vector, an H x W matrix or C x H x W channels")
    # An empty array can announce an axis of any length (shape (10**30, 0) has no entries).
    if any(n > MAX_ENTRIES for n in shape):
        raise InputError(f".npy array of shape {shape} has an axis longer than {MAX_ENTRIES}; expected at most that")
    _check_entries(math.prod(shape), f".npy array of shape {shape}")


def _check_entries(count: int, what: str) -> None:
    if count > MAX_ENTRIES:
        raise InputError(f"{what} has {count} entries; expected at most {MAX_ENTRIES} (2048 x 2048)")


def _from_rows(text: str, what: str) -> np.ndarray:
    # Counted before any row is read: converting millions of short rows one by one takes minutes.
    _check_entries(_count_entries(text), what)
    # A trailing ';' or blank lines are layout, not empty rows.
    rows = [row for row in (part.strip() for part in _ROW_SEPARATORS.split(text)) if row]
    if not rows:
        raise InputError(f"{what} has no entries; expected rows like '1 0 1; 0 1 0'")
    parsed: list[np.ndarray] = []
    entries = 0
    for number, row in enumerate(rows, 1):
        parsed.append(_row_values(_entries(row), what, number))
        entries += len(parsed[-1])
        _check_entries(entries, what)
    _check_ragged(parsed, what)
    return parsed[0] if len(parsed) == 1 else np.array(parsed)


#: Which bytes separate entries or rows in the text form (non-ASCII bytes belong to entries).
_SEPARATOR_BYTES = np.zeros(256, dtype=bool)
_SEPARATOR_BYTES[list(b" \t\n\r\f\v,;")] = True


def _count_entries(text: str) -> int:
    """How many entries the text form holds (runs between separators), counted at array speed.

    Exact for ASCII separators; an entry split only by a Unicode space counts once here (the
    row-by-row count that follows still sees it), so this never over-counts.
    """
    is_separator = _SEPARATOR_BYTES[np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)]
    starts = ~is_separator
    starts[1:] &= is_separator[:-1]
    return int(np.count_nonzero(starts))


def _entries(row: str) -> list[str]:
    return [entry for entry in _ENTRY_SEPARATORS.split(row) if entry]


def _row_values(entries: list[str], what: str, row: int) -> np.ndarray:
    """One row's numbers; each row is converted as it is read, so no list of every entry is ever built."""
    for column, entry in enumerate(entries, 1):
        if too_long := reading.digits_error(entry):
            raise InputError(f"{what}: row {row}, column {column} is {too_long}")
    try:
        values = np.fromiter(map(float, entries), dtype=float, count=len(entries))
        if np.isfinite(values).all():
            return values
    except ValueError:
        pass
    column, entry = next((c, e) for c, e in enumerate(entries, 1) if not _is_finite_number(e))
    raise InputError(f"{what}: row {row}, column {column} ({entry!r}) is not a number; expected numbers")


def _is_finite_number(entry: str) -> bool:
    try:
        return math.isfinite(float(entry))
    except ValueError:
        return False


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
    _check_json_size(text, what)
    try:
        data = json.loads(
            text,
            parse_int=lambda number: int(_json_number(number, what)),
            parse_float=lambda number: float(_json_number(number, what)),
            parse_constant=lambda name: _json_number(name, what),
        )
    except json.JSONDecodeError as error:
        raise InputError(
            f"{what} is not valid JSON ({error.msg} at character {error.pos + 1}); expected e.g. [[1,0,1],[0,1,0]]"
        ) from None
    _check_nesting(data, what, (), _depth(data))
    return _checked_numeric(np.array(data, dtype=float), what)


def _check_json_size(text: str, what: str) -> None:
    """Refuse JSON nested deeper than a matrix, or with too many entries, before ``json`` reads it.

    ``json`` recurses once per level: 10,000 nested lists would end in a RecursionError.
    """
    depth = 0
    for token in _JSON_NESTING.finditer(text):
        if token[0] in "[{":
            depth += 1
            if depth > MAX_AXES:
                raise InputError(
                    f"{what} has more than {MAX_AXES} axes (lists in lists in lists in lists); "
                    "expected a vector, an H x W matrix or C x H x W channels"
                )
        elif token[0] in "]}":
            depth -= 1
    # A regular array of numbers has one comma fewer than it has entries.
    _check_entries(text.count(",") + 1, what)


def _json_number(number: str, what: str) -> str:
    """The text of a JSON number, refused if it is too long or names NaN or an infinity."""
    if number in ("NaN", "Infinity", "-Infinity"):
        raise InputError(f"{what}: {number} is not a finite number; expected finite numbers")
    if too_long := reading.digits_error(number):
        raise InputError(f"{what}: {too_long}")
    return number


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
