"""Reading sizes as the notes write them: ``12``, ``12x12``, ``39x39x3``, ``3x5``.

Light on purpose: the size commands start without NumPy or SymPy.
"""

from __future__ import annotations

import re
from typing import Any

from solver.graph.errors import InputError
from solver.math.limits import MAX_DIMENSION, require_at_most

#: How a file or the command line writes a size: ``12``, ``"12x12"`` or ``[12, 12]``.
SizeText = int | str | list[int]

_SEPARATOR = re.compile(r"\s*[xX×*]\s*")


def _field(what: str) -> str | None:
    """``what`` when it is a field name, so that the file loader can point at its line."""
    return what if what.isidentifier() else None


def _error(message: str, what: str) -> InputError:
    """An error about ``what``."""
    return InputError(message, field=_field(what))


def parse_dims(value: Any, what: str, *, min_dims: int = 1, max_dims: int = 3) -> tuple[int, ...]:
    """Dimensions from an int, a list of ints, or text such as ``39x39x3``."""
    if isinstance(value, bool):
        raise _error(f"{what}: expected a size such as 12, 12x12 or 39x39x3, got {value!r}", what)
    if isinstance(value, int):
        dims: tuple[Any, ...] = (value,)
    elif isinstance(value, (list, tuple)):
        dims = tuple(value)
    elif isinstance(value, str) and value.strip():
        dims = tuple(_SEPARATOR.split(value.strip()))
    else:
        raise _error(f"{what}: expected a size such as 12, 12x12 or 39x39x3, got {value!r}", what)
    if not min_dims <= len(dims) <= max_dims:
        expected = "one number (like 12)" if max_dims == 1 else f"{min_dims} to {max_dims} numbers (like 12x12)"
        raise _error(f"{what}: expected {expected}, got {value!r}", what)
    numbers = tuple(_whole(d, what, value) for d in dims)
    require_at_most(max(abs(n) for n in numbers), MAX_DIMENSION, f"{what} (one size)", _field(what))
    return numbers


def _whole(item: Any, what: str, original: Any) -> int:
    if isinstance(item, bool):
        raise _error(f"{what}: {item!r} is not a whole number (in {original!r})", what)
    if isinstance(item, int):
        return item
    if isinstance(item, str) and re.fullmatch(r"[+-]?\d+", item.strip()):
        return int(item)
    if isinstance(item, float) and item.is_integer():
        return int(item)
    raise _error(f"{what}: {item!r} is not a whole number (in {original!r})", what)


def parse_pair(value: Any, what: str) -> tuple[int, int]:
    """A per-axis setting: ``3`` means 3 on both axes, ``3x5`` is height 3, width 5."""
    dims = parse_dims(value, what, max_dims=2)
    return (dims[0], dims[0]) if len(dims) == 1 else (dims[0], dims[1])


def _shown(dims: tuple[int, ...]) -> str:
    return str(dims[0]) if len(set(dims)) == 1 else "x".join(map(str, dims))


def require_positive(dims: tuple[int, ...], what: str) -> None:
    if any(v <= 0 for v in dims):
        raise _error(f"{what} must be a positive whole number, got {_shown(dims)}", what)


def require_non_negative(dims: tuple[int, ...], what: str) -> None:
    if any(v < 0 for v in dims):
        raise _error(f"{what} must be zero or more, got {_shown(dims)}", what)


def require_groups_divide(groups: int, count: int, what: str) -> int:
    """``groups`` when it is a positive divisor of ``count`` (the channels, kernels or filters it splits)."""
    if groups < 1 or count % groups:
        raise InputError(
            f"groups {groups} do not divide the {count} {what}; expected a divisor of {count}, "
            "so that each group takes an equal share",
            field="groups",
        )
    return groups
