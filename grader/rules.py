"""Comparison rules: small pure functions, each named by the rule it applies.

Every numeric rule takes a ``slack``: the extra distance that rounding the
intermediate values explains (see ``grader.rounding``), so that a student who
rounds as the notes do is not marked wrong for it.

>>> is_close_ra(0.0058223, 0.0058231, rtol=1e-4, atol=0)
False
>>> is_close_ra(0.0058223, 0.0058231, rtol=1e-4, atol=0, slack=8e-5)
True
>>> is_close_sigfigs(3.14, 3.14159, digits=3)
True
>>> is_close_decimals(2.5, 2.46, decimals=1)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from solver.graph.values import is_sympy


def is_close_ra(given: float, expected: float, rtol: float, atol: float, slack: float = 0.0) -> bool:
    """Relative and absolute tolerance: |given - expected| ≤ atol + rtol·|expected| (+ slack)."""
    return abs(given - expected) <= atol + rtol * abs(expected) + slack


def last_digit_unit_sigfigs(expected: float, digits: int) -> float:
    """One unit of the ``digits``-th significant figure of ``expected`` (of 10^-digits for zero)."""
    if expected == 0:
        return 10.0**-digits
    return 10.0 ** (math.floor(math.log10(abs(expected))) - digits + 1)


def last_digit_units_sigfigs(expected: Any, digits: int) -> Any:
    """``last_digit_unit_sigfigs`` of every entry of the array ``expected`` at once."""
    import numpy as np

    magnitude = np.abs(expected)
    nonzero = magnitude > 0
    exponents = np.floor(np.log10(np.where(nonzero, magnitude, 1.0))).astype(int) - digits + 1
    # Python's 10.0 ** k, exactly as the scalar rule computes it (NumPy's power rounds differently).
    powers = np.array([10.0 ** int(k) for k in exponents.flat]).reshape(exponents.shape)
    return np.where(nonzero, powers, 10.0**-digits)


def is_close_sigfigs(given: float, expected: float, digits: int, slack: float = 0.0) -> bool:
    """Right to ``digits`` significant figures: within ±0.51 units of the last asked digit (as PrairieLearn)."""
    return abs(given - expected) <= 0.51 * last_digit_unit_sigfigs(expected, digits) + slack


def is_close_decimals(given: float, expected: float, decimals: int, slack: float = 0.0) -> bool:
    """Right to ``decimals`` places after the point: within ±0.51 units of the last asked place."""
    return abs(given - expected) <= 0.51 * 10.0**-decimals + slack


def is_exact(given: Any, expected: Any) -> bool:
    """Integers and shapes: exactly equal (4.0 is 4; 3×3×1 is 3×3)."""
    if isinstance(expected, tuple):
        return isinstance(given, tuple) and tuple(shape_like(given, expected)) == tuple(expected)
    try:
        return float(given) == float(expected)
    except (TypeError, ValueError):
        return False


def has_symbols(value: Any) -> bool:
    """Whether ``value`` is a SymPy expression of at least one symbol (a function, not a constant)."""
    return is_sympy(value) and _free_symbols(value)


@lru_cache(maxsize=4096)
def _free_symbols(expression: Any) -> bool:
    # SymPy walks the whole tree for free_symbols; a class repeats the same few expressions.
    return bool(expression.free_symbols)


def carries_no_information(given: Any, expected: Any) -> bool:
    """Whether ``given`` is what a guess that ignores the data would write, where the truth is not that.

    Zero where the truth is not zero, one number in every entry where the true
    entries differ, a constant where the truth is a function of symbols: such an
    answer earns no share of the entries, no mistake and carries nothing forward
    (a page of zeros would otherwise earn every entry that happens to be zero).

    >>> carries_no_information([0, 0, 0], [0, 2, 0])
    True
    >>> carries_no_information([1, 1], [0.5, 0.2])
    True
    >>> carries_no_information([0, 2, 1], [0, 2, 0])
    False
    """
    import numpy as np

    if has_symbols(expected):  # a function of symbols: a constant answer ignores them all
        return is_sympy(given) and not has_symbols(given)
    try:
        answer, truth = np.asarray(given, dtype=float), np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return False
    if answer.size == 0 or truth.size == 0:
        return False
    if not np.any(answer) and np.any(truth):
        return True
    # A size such as 3×3 is not "the same number everywhere": its entries are separate answers.
    if isinstance(expected, tuple) or answer.size == 1:
        return False
    return bool(np.all(answer == answer.flat[0])) and not bool(np.all(truth == truth.flat[0]))


@dataclass(frozen=True)
class Tolerance:
    """The numeric rule of one asked step: significant figures, decimals, or rtol/atol."""

    rtol: float = 1e-3
    atol: float = 1e-9
    sigfigs: int | None = None
    decimals: int | None = None

    def allows(self, given: float, expected: float, slack: float = 0.0) -> bool:
        if self.sigfigs is not None:
            return is_close_sigfigs(given, expected, self.sigfigs, slack)
        if self.decimals is not None:
            return is_close_decimals(given, expected, self.decimals, slack)
        return is_close_ra(given, expected, self.rtol, self.atol, slack)

    def describe(self) -> str:
        if self.sigfigs is not None:
            return f"{self.sigfigs} significant figures"
        if self.decimals is not None:
            return f"{self.decimals} decimal places"
        return f"rtol {self.rtol:g}, atol {self.atol:g}"


def shape_like(given: tuple[Any, ...], expected: tuple[Any, ...]) -> tuple[Any, ...]:
    """``given`` with the axes of ``expected`` when the two differ only by a trailing channel of 1.

    H×W×1 and H×W are the same map: a single channel is no extra axis.

    >>> shape_like((3, 3, 1), (3, 3)), shape_like((3, 3), (3, 3, 1)), shape_like((3, 3, 2), (3, 3))
    ((3, 3), (3, 3, 1), (3, 3, 2))
    """
    if len(given) == 3 and len(expected) == 2 and given[2] == 1:
        return given[:2]
    if len(given) == 2 and len(expected) == 3 and expected[2] == 1:
        return (*given, 1)
    return given


@dataclass(frozen=True)
class ArrayVerdict:
    """How a vector or matrix answer compares, entry by entry."""

    right: int
    total: int
    wrong: tuple[tuple[int, ...], ...] = ()
    shape_problem: str | None = None

    @property
    def fraction(self) -> float:
        return self.right / self.total if self.total else 0.0


def matching_shape(given: Any, expected_shape: tuple[int, ...]) -> Any:
    """``given`` reshaped to ``expected_shape`` when only the vector orientation differs, else None."""
    if given.shape == expected_shape:
        return given
    vector_like = sum(d != 1 for d in given.shape) <= 1 and sum(d != 1 for d in expected_shape) <= 1
    if vector_like and given.size == math.prod(expected_shape):
        return given.reshape(expected_shape)
    return None


def compare_entries(given: Any, expected: Any, tolerance: Tolerance, slack: Any = 0.0) -> ArrayVerdict:
    """Entry-by-entry comparison of float arrays; ``slack`` is a number or an array like ``expected``."""
    import numpy as np

    expected = np.asarray(expected, dtype=float)
    given = np.asarray(given, dtype=float)
    shaped = matching_shape(given, expected.shape)
    if shaped is None:
        shown = "×".join(map(str, given.shape)) or "a number"
        return ArrayVerdict(
            0, expected.size, shape_problem=f"shape {shown}, expected {'×'.join(map(str, expected.shape))}"
        )
    if tolerance.sigfigs is not None:
        allowed = 0.51 * last_digit_units_sigfigs(expected, tolerance.sigfigs)
    elif tolerance.decimals is not None:
        allowed = 0.51 * 10.0**-tolerance.decimals
    else:
        allowed = tolerance.atol + tolerance.rtol * np.abs(expected)
    if not (isinstance(slack, (int, float)) and slack == 0):
        allowed = allowed + np.asarray(slack, dtype=float)
    with np.errstate(invalid="ignore"):
        ok = np.abs(shaped - expected) <= allowed
    right = int(np.count_nonzero(ok))
    wrong = () if right == ok.size else tuple(tuple(index) for index in np.argwhere(~ok).tolist())
    return ArrayVerdict(right, int(expected.size), wrong)
