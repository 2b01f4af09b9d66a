"""Are two symbolic answers the same function?

Decided by evaluating both at random points (a wrong answer differs almost
everywhere), then confirmed by SymPy simplification under a time limit.  The
points mix signs so that ``relu(x)`` and ``x`` are told apart; points where
either side is undefined (``log`` of a negative number) are skipped.
"""

from __future__ import annotations

import contextlib
import math
import random
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

POINTS = 8
SIMPLIFY_SECONDS = 1.0


@dataclass(frozen=True)
class Equivalence:
    equivalent: bool
    how: str


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


def _points(names: list[str], seed: int) -> Iterator[dict[str, float]]:
    rng = random.Random(seed)
    for i in range(POINTS):
        positive = i % 2 == 0  # half the points positive, where logs and roots are defined
        yield {n: rng.uniform(0.2, 2.0) if positive else rng.uniform(-2.0, 2.0) for n in names}


def same_at_random_points(given: Any, expected: Any, names: list[str], seed: int = 0) -> bool | None:
    """True/False when enough points were defined for both, None when too few were."""
    compared = 0
    for point in _points(sorted(names), seed):
        a, b = _value_at(given, point), _value_at(expected, point)
        if a is None or b is None:
            if (a is None) != (b is None) and point and all(v > 0 for v in point.values()):
                return False  # defined where the other is not, on the safe domain
            continue
        compared += 1
        if not math.isclose(a.real, b.real, rel_tol=1e-9, abs_tol=1e-12):
            return False
    return True if compared >= 3 else None


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError after ``seconds`` (main thread only; elsewhere no limit is set)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        raise TimeoutError("no time limit available off the main thread")

    def expire(*_: Any) -> None:
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def simplifies_to_zero(difference: Any, seconds: float = SIMPLIFY_SECONDS) -> bool | None:
    """True/False from ``simplify``, None when it runs out of time."""
    import sympy

    try:
        with _time_limit(seconds):
            return sympy.simplify(difference) == 0
    except TimeoutError:
        return None


@lru_cache(maxsize=4096)
def constant_ratio(given: Any, expected: Any) -> float | None:
    """The number c when ``given`` is c times ``expected`` at every random point (c ≠ 1), else None.

    It names the classic slips of a derivation: a lost ½ (c = 2), a factor 2
    too few (c = ½), a flipped sign (c = −1).
    """
    names = sorted({s.name for s in given.free_symbols | expected.free_symbols})
    ratios = []
    for point in _points(names, seed=1):
        a, b = _value_at(given, point), _value_at(expected, point)
        if a is None or b is None or abs(b.real) < 1e-12:
            continue
        ratios.append(a.real / b.real)
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
    numeric = same_at_random_points(given, expected, names)
    if numeric is False:
        return Equivalence(False, f"differs at random points of {', '.join(names) or 'its value'}")
    proved = simplifies_to_zero(given - expected)
    if proved:
        return Equivalence(True, "equal by simplification")
    if numeric and proved is None:
        return Equivalence(True, f"equal at {POINTS} random points (simplification ran out of time)")
    if numeric:
        return Equivalence(True, f"equal at {POINTS} random points")
    return Equivalence(False, "not shown equal: too few points where both are defined, and simplification failed")
