"""Are two symbolic expressions the same function?

Decided by evaluating both at random points (a wrong answer differs almost
everywhere), then confirmed by SymPy simplification.  The points mix signs so
that ``relu(x)`` and ``x`` are told apart; points where either side is
undefined (``log`` of a negative number) are skipped.

All the SymPy work of one decision runs under ``work_limit``, which holds in
any thread: when it runs out before anything is decided, the result says so
(``decided`` is False) and the answer cannot be graded.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from types import FrameType
from typing import Any

from solver.math.expressions import POINTS, SEEDS, sample_points

#: Seconds of work one decision (or one constant-factor measure) may take.
WORK_SECONDS = 1.0


@dataclass(frozen=True)
class Equivalence:
    equivalent: bool
    how: str
    decided: bool = True


class OutOfTime(BaseException):
    """The work limit is spent.

    A BaseException, so that no ``except Exception`` inside SymPy can swallow it.
    """


@contextlib.contextmanager
def work_limit(seconds: float) -> Iterator[None]:
    """Raise OutOfTime in this thread once ``seconds`` have passed.

    The clock is read at every Python function call (a trace function), which
    holds in any thread, where a timer signal reaches only the main thread.
    The inputs' magnitude is bounded before (``solver.math.expressions``), so no
    single arithmetic operation in C runs long between two calls.
    """
    deadline = time.monotonic() + seconds

    def check(frame: FrameType, event: str, arg: Any) -> None:
        if time.monotonic() > deadline:
            raise OutOfTime

    previous = sys.gettrace()
    sys.settrace(check)
    try:
        yield
    finally:
        sys.settrace(previous)


def _value_at(expr: Any, point: dict[str, float]) -> complex | None:
    import sympy

    substitution = {s: point[s.name] for s in expr.free_symbols if s.name in point}
    try:
        value = complex(sympy.N(expr.xreplace(substitution), 15))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if not (math.isfinite(value.real) and math.isfinite(value.imag)) or abs(value.imag) > 1e-12:
        return None
    return value


def same_at_random_points(given: Any, expected: Any, names: list[str]) -> bool | None:
    """True/False when enough points were defined for both, None when too few were."""
    compared = 0
    for point in sample_points(names, SEEDS[0]):
        a, b = _value_at(given, point), _value_at(expected, point)
        if a is None or b is None:
            if (a is None) != (b is None) and point and all(v > 0 for v in point.values()):
                return False  # defined where the other is not, on the safe domain
            continue
        compared += 1
        if not math.isclose(a.real, b.real, rel_tol=1e-9, abs_tol=1e-12):
            return False
    return True if compared >= 3 else None


@lru_cache(maxsize=4096)
def constant_ratio(given: Any, expected: Any) -> float | None:
    """The number c when ``given`` is c times ``expected`` at every random point (c ≠ 1), else None.

    It names the classic slips of a derivation: a lost ½ (c = 2), a factor 2
    too few (c = ½), a flipped sign (c = −1).  None too when the work limit runs out.
    """
    names = sorted({s.name for s in given.free_symbols | expected.free_symbols})
    ratios = []
    try:
        with work_limit(WORK_SECONDS):
            for point in sample_points(names, SEEDS[1]):
                a, b = _value_at(given, point), _value_at(expected, point)
                if a is None or b is None or abs(b.real) < 1e-12:
                    continue
                ratios.append(a.real / b.real)
    except OutOfTime:
        return None
    if len(ratios) < 3 or not all(math.isclose(r, ratios[0], rel_tol=1e-9) for r in ratios):
        return None
    return None if math.isclose(ratios[0], 1.0, rel_tol=1e-9) else ratios[0]


def equivalent(given: Any, expected: Any) -> Equivalence:
    """Whether ``given`` and ``expected`` agree as functions of their symbols (matched by name)."""
    import sympy

    names = sorted({s.name for s in given.free_symbols | expected.free_symbols})
    # Symbols with the same name but other assumptions are the same variable to a student.
    table = {name: sympy.Symbol(name, real=True) for name in names}
    given = given.xreplace({s: table[s.name] for s in given.free_symbols})
    expected = expected.xreplace({s: table[s.name] for s in expected.free_symbols})
    numeric: bool | None = None
    proved: bool | None = None
    try:
        with work_limit(WORK_SECONDS):
            numeric = same_at_random_points(given, expected, names)
            if numeric is False:
                return Equivalence(False, f"differs at random points of {', '.join(names) or 'its value'}")
            proved = sympy.simplify(given - expected) == 0
    except OutOfTime:
        pass
    if proved:
        return Equivalence(True, "equal by simplification")
    if numeric:
        ran_out = " (simplification ran out of time)" if proved is None else ""
        return Equivalence(True, f"equal at {POINTS} random points{ran_out}")
    if proved is None:
        return Equivalence(False, f"could not be decided within the work limit of {WORK_SECONDS:g} s", decided=False)
    return Equivalence(False, "not shown equal: too few points where both are defined, and simplification failed")
