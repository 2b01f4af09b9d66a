"""One comparison of a student's value with one expected value, by the step's kind of value.

``judge`` is what every kind of credit uses: against the reference, against
the value carried forward from the student's own answers, against each named
mistake and each author hint.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from grader.rules import Tolerance, compare_entries, is_exact
from solver.graph.values import is_sympy


@dataclass(frozen=True)
class Verdict:
    """``fraction`` of the answer that is right (entries of a matrix), and why the rest is not."""

    fraction: float
    wrong: tuple[tuple[int, ...], ...] = ()
    shape_problem: str | None = None
    used_slack: bool = False
    how: str = ""
    #: The comparison could not be made within its bounds (``how`` says which): the answer is invalid.
    undecided: bool = False

    @property
    def full(self) -> bool:
        return self.fraction >= 1.0


RIGHT = Verdict(1.0)
WRONG = Verdict(0.0)


def judge(given: Any, expected: Any, kind: str, tolerance: Tolerance, slack: Any = 0.0) -> Verdict:
    """Compare ``given`` (already parsed for ``kind``) with ``expected``."""
    if kind in ("shape", "integer"):
        return RIGHT if is_exact(given, expected) else WRONG
    if kind == "number":
        try:
            value, target = float(given), float(expected)
        except (TypeError, ValueError):
            return WRONG
        if tolerance.allows(value, target):
            return RIGHT
        return Verdict(1.0, used_slack=True) if tolerance.allows(value, target, _scalar(slack)) else WRONG
    if kind == "array":
        return _judge_array(given, expected, tolerance, slack)
    if kind == "expression":
        return _judge_expression(given, expected)
    return RIGHT if str(given).strip() == str(expected).strip() else WRONG


def _scalar(slack: Any) -> float:
    try:
        return float(slack)
    except (TypeError, ValueError):
        return 0.0


def _judge_array(given: Any, expected: Any, tolerance: Tolerance, slack: Any) -> Verdict:
    import numpy as np

    if not hasattr(given, "shape"):
        return WRONG
    strict = compare_entries(given, expected, tolerance)
    if strict.shape_problem:
        return Verdict(0.0, shape_problem=strict.shape_problem)
    if strict.right == strict.total or not np.any(slack):
        return Verdict(strict.fraction, strict.wrong)
    loose = compare_entries(given, expected, tolerance, slack)
    return Verdict(loose.fraction, loose.wrong, used_slack=loose.right > strict.right)


def _judge_expression(given: Any, expected: Any) -> Verdict:
    if not is_sympy(given):
        return WRONG
    result = _equivalent(given, expected)
    return Verdict(1.0 if result.equivalent else 0.0, how=result.how, undecided=not result.decided)


@lru_cache(maxsize=4096)
def _equivalent(given: Any, expected: Any) -> Any:
    # SymPy expressions are immutable and hashable: a class's repeated answers are decided once.
    from solver.math.equivalence import equivalent

    return equivalent(given, expected)
