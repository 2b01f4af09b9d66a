"""How far rounding the intermediate values can move an answer.

The notes round intermediate values as they go (seed 004 rounds ŷ to 2.89209
and gets the loss 0.005822284 where the exact value is 0.0058231), and
students do the same.  An answer is not wrong for that: its tolerance is
widened by the **rounding slack** of its step, computed once per homework:

* every computed ancestor of the step whose value is a float (or float array)
  is moved, alone, up and down by what rounding it to ``digits`` significant
  figures (4 by default: the notes' habit; or 5 or 6, as the notes also do)
  changes it; an entry that is exact at that precision (2, 0.5) is not moved;
* the step is re-evaluated from there (``Solution.evaluate``) and the largest
  change of each entry is kept;
* the slack is the sum of those changes over the ancestors: a first-order,
  worst-case bound on what rounding every intermediate to ``digits``
  significant figures can do.

Integers, fractions and shapes carry no slack: their steps are exact.
"""

from __future__ import annotations

import math
from typing import Any

from solver.graph.steps import Solution
from solver.graph.values import is_numpy

#: Arrays up to this many entries are perturbed entry by entry; larger ones all at once.
ENTRYWISE_LIMIT = 16
#: Recomputations × steps one asked step's slack may cost (a second or so); beyond it (a batch of a hundred
#: long sequences) the slack is left out and the tolerance alone judges, rather than grading for minutes.
MAX_SLACK_WORK = 2_000_000


def rounded(value: float, digits: int) -> float:
    """``value`` rounded to ``digits`` significant figures."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def rounding_error(value: float, digits: int) -> float:
    """How far rounding ``value`` to ``digits``, ``digits + 1`` or ``digits + 2`` significant figures moves it.

    Zero for a value that has that few figures already (an exact 2 or 0.5):
    no one rounds those, so they widen nothing.
    """
    return max(abs(rounded(value, d) - value) for d in range(digits, digits + 3))


def _is_float_value(value: Any) -> bool:
    if is_numpy(value):
        return value.dtype.kind == "f"
    return isinstance(value, float)


def _nudges(value: Any, digits: int) -> list[Any]:
    """Copies of ``value`` with one entry (or, for big arrays, all) moved up or down by its rounding error."""
    import numpy as np

    if isinstance(value, float):
        h = rounding_error(value, digits)
        return [value + h, value - h] if h else []
    steps = np.vectorize(lambda v: rounding_error(float(v), digits))(value) if value.size else value
    if value.size > ENTRYWISE_LIMIT:
        return [value + steps, value - steps]
    nudged = []
    for index in np.ndindex(value.shape):
        if steps[index]:
            for sign in (1, -1):
                copy = value.copy()
                copy[index] += sign * steps[index]
                nudged.append(copy)
    return nudged


def _nudge_count(value: Any) -> int:
    """How many nudged values ``_nudges`` makes of ``value``: two per entry, or two in all for a large array."""
    import numpy as np

    size = np.size(value)
    return 2 if size == 1 or size > ENTRYWISE_LIMIT else 2 * size


def rounding_slack(solution: Solution, step: str, pick: Any, digits: int | None) -> Any:
    """The slack of ``step`` (a number, or an array like its value); ``pick`` gets the graded entry.

    ``pick(values)`` returns the graded value from a dict of all values (the
    whole step or one entry of it).
    """
    import numpy as np

    reference = pick(solution.values())
    if not digits or not _is_float_value(reference):
        return 0.0
    base = np.asarray(reference, dtype=float)
    total = np.zeros_like(base)
    rounded = [
        name
        for name in solution.ancestors(step)
        if not solution[name].is_given and name != step and _is_float_value(solution[name].value)
    ]
    evaluations = sum(_nudge_count(solution[name].value) for name in rounded)
    if evaluations * len(solution.steps) > MAX_SLACK_WORK:
        return 0.0  # too many recomputations for a class to wait on: the tolerance alone judges
    for name in rounded:
        node = solution[name]
        largest = np.zeros_like(base)
        for nudged in _nudges(node.value, digits):
            try:
                moved = np.asarray(pick(solution.evaluate({name: nudged}, upto=step)), dtype=float)
            except Exception:  # a nudge a kind cannot take (e.g. a domain edge): no slack from it
                continue
            if moved.shape == base.shape:
                largest = np.maximum(largest, np.nan_to_num(np.abs(moved - base)))
        total += largest
    return float(total) if total.ndim == 0 else total
