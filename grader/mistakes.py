"""Named mistakes: the classic wrong rules that kinds declare as step variants.

For an asked step, every variant of the step and of each of its ancestors is
a candidate (a wrong ReLU derivative shows in dL/dW1 too), and so is every
variant name applied everywhere it is declared (``variant=("*", name)``: a
habit, such as leaving out the +1 on both axes).  Re-running the solution
with the wrong rule in place gives the value that mistake leads to.

When several mistakes lead to the student's answer, the grader names the one
that departs from the truth last (``rank``): the student is taken to be right
for as long as the answer allows.  Correct gradients followed by ``W + η·grad``
are gradient ascent at the update, not a residual reversed at the loss.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from solver.graph.steps import Solution


@dataclass(frozen=True)
class Mistake:
    """A wrong rule: where it applies (a step name or "*"), its name and its feedback."""

    at: str
    name: str
    feedback: str


def candidate_mistakes(solution: Solution, step: str) -> list[Mistake]:
    """Every declared wrong rule that can change ``step``: at one ancestor, or everywhere."""
    found: list[Mistake] = []
    habits: dict[str, Mistake] = {}
    for name in solution.ancestors(step):
        for variant in solution[name].variants:
            found.append(Mistake(name, variant.name, variant.feedback))
            habits.setdefault(variant.name, Mistake("*", variant.name, variant.feedback))
    # A habit counts separately only when it is declared at more than one step.
    repeated = {m.name for m in found if sum(n.name == m.name for n in found) > 1}
    return found + [m for name, m in habits.items() if name in repeated]


def departure(solution: Solution, mistake: Mistake) -> int:
    """Position, in solution order, of the first step whose value ``mistake`` changes on the problem's data.

    A mistake that changes nothing (or cannot be computed) departs nowhere: past the last step.
    """
    try:
        wrong = solution.evaluate(variant=(mistake.at, mistake.name))
    except Exception:  # a wrong rule may fail on some data: it shows nowhere
        return len(solution.steps)
    for position, step in enumerate(solution):
        if _differs(wrong[step.name], step.value):
            return position
    return len(solution.steps)


def rank(found: list[tuple[Mistake, Any]], departures: Mapping[Mistake, int]) -> list[tuple[Mistake, Any]]:
    """The candidate mistakes in the order the grader names them: the latest departure first.

    Mistakes that depart at the same step keep the order they are declared in.
    """
    return sorted(found, key=lambda pair: -departures.get(pair[0], 0))


def _differs(value: Any, reference: Any) -> bool:
    import numpy as np

    try:
        given, truth = np.asarray(value, dtype=float), np.asarray(reference, dtype=float)
    except (TypeError, ValueError):
        return bool(value != reference)  # a SymPy expression, a shape: as the values themselves compare
    return given.shape != truth.shape or not np.allclose(given, truth, rtol=1e-12, atol=0.0, equal_nan=True)


def mistake_value(
    solution: Solution,
    mistake: Mistake | None,
    pick: Callable[[Mapping[str, Any]], Any],
    overrides: Mapping[str, Any] | None = None,
    target: str | None = None,
) -> Any | None:
    """What ``mistake`` (None: the right rules) leads to for the graded value, or None when it cannot be computed.

    ``overrides`` are the student's own earlier values; ``target`` names the graded step, so
    that only what it depends on is computed.  A class repeats the same slips, so each
    distinct recomputation is done once (``_RECOMPUTED``).
    """
    if overrides and mistake is not None and mistake.at in overrides:
        return None  # the student's own value stands in for that step: the rule cannot show
    key = _recomputation_key(mistake, target, overrides or {})
    known = _RECOMPUTED.setdefault(solution, {})
    if key is not None and key in known:
        return known[key]
    variant = (mistake.at, mistake.name) if mistake is not None else None
    try:
        value = pick(solution.evaluate(overrides, variant=variant, upto=target))
    except Exception:  # a wrong rule may fail on some data (a negative size): then it is no match here
        value = None
    if key is not None:
        if len(known) >= MAX_RECOMPUTED:
            known.clear()
        known[key] = value
    return value


#: Per solution, recomputed values by (mistake, graded step, the student's values), bounded in number.
_RECOMPUTED: WeakKeyDictionary[Solution, dict[tuple[Any, ...], Any]] = WeakKeyDictionary()
MAX_RECOMPUTED = 5_000


def _recomputation_key(
    mistake: Mistake | None, target: str | None, overrides: Mapping[str, Any]
) -> tuple[Any, ...] | None:
    """A hashable key for one recomputation, or None when a value cannot be keyed (then it is not kept)."""
    values = frozen(overrides)
    return None if target is None or values is None else (mistake, target, values)


def frozen(value: Any) -> Any:
    """``value`` as a hashable key that tells apart what compares differently, or None when it cannot be one.

    Lists become tuples, mappings sorted tuples of pairs, NumPy values their dtype, shape and bits.
    """
    if hasattr(value, "tobytes") and hasattr(value, "shape"):
        return (value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (list, tuple)):
        items = tuple(frozen(item) for item in value)
        return None if None in items else (type(value).__name__, items)
    if isinstance(value, Mapping):
        pairs = tuple(sorted((str(k), frozen(v)) for k, v in value.items()))
        return None if any(v is None for _, v in pairs) else pairs
    try:
        hash(value)
    except TypeError:
        return None
    # 1, 1.0 and True hash alike but are not the same answer (a whole number where a float is expected).
    return (type(value).__name__, value)
