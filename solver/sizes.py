"""Reading sizes as the notes write them: ``12``, ``12x12``, ``39x39x3``, ``3x5``.

Light on purpose: the size commands start without NumPy or SymPy.
"""

from __future__ import annotations

import re
from typing import Any

from solver.errors import InputError

_SEPARATOR = re.compile(r"\s*[xX×*]\s*")


def parse_dims(value: Any, what: str, *, min_dims: int = 1, max_dims: int = 3) -> tuple[int, ...]:
    """Dimensions from an int, a list of ints, or text such as ``39x39x3``."""
    if isinstance(value, bool):
        raise InputError(f"{what}: expected a size such as 12, 12x12 or 39x39x3, got {value!r}")
    if isinstance(value, int):
        dims: tuple[Any, ...] = (value,)
    elif isinstance(value, (list, tuple)):
        dims = tuple(value)
    elif isinstance(value, str) and value.strip():
        dims = tuple(_SEPARATOR.split(value.strip()))
    else:
        raise InputError(f"{what}: expected a size such as 12, 12x12 or 39x39x3, got {value!r}")
    if not min_dims <= len(dims) <= max_dims:
        expected = "one number" if max_dims == 1 else f"{min_dims} to {max_dims} numbers"
        raise InputError(f"{what}: expected {expected} (like 12x12), got {value!r}")
    return tuple(_whole(d, what, value) for d in dims)


def _whole(item: Any, what: str, original: Any) -> int:
    if isinstance(item, bool):
        raise InputError(f"{what}: {item!r} is not a whole number (in {original!r})")
    if isinstance(item, int):
        return item
    if isinstance(item, str) and re.fullmatch(r"[+-]?\d+", item.strip()):
        return int(item)
    if isinstance(item, float) and item.is_integer():
        return int(item)
    raise InputError(f"{what}: {item!r} is not a whole number (in {original!r})")


def parse_pair(value: Any, what: str) -> tuple[int, int]:
    """A per-axis setting: ``3`` means 3 on both axes, ``3x5`` is height 3, width 5."""
    dims = parse_dims(value, what, max_dims=2)
    return (dims[0], dims[0]) if len(dims) == 1 else (dims[0], dims[1])


def require_positive(pair: tuple[int, ...], what: str) -> None:
    if any(v <= 0 for v in pair):
        raise InputError(f"{what} must be a positive whole number, got {'x'.join(map(str, pair))}")


def require_non_negative(pair: tuple[int, ...], what: str) -> None:
    if any(v < 0 for v in pair):
        raise InputError(f"{what} must be zero or more, got {'x'.join(map(str, pair))}")
