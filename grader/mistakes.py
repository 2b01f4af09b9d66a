"""Named mistakes: the classic wrong rules that kinds declare as step variants.

For an asked step, every variant of the step and of each of its ancestors is
a candidate (a wrong ReLU derivative shows in dL/dW1 too), and so is every
variant name applied everywhere it is declared (``variant=("*", name)``: a
habit, such as leaving out the +1 on both axes).  Re-running the solution
with the wrong rule in place gives the value that mistake leads to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from solver.steps import Solution


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


def mistake_value(
    solution: Solution,
    mistake: Mistake,
    pick: Callable[[Mapping[str, Any]], Any],
    overrides: Mapping[str, Any] | None = None,
) -> Any | None:
    """What ``mistake`` leads to for the graded value, or None when it cannot be computed here."""
    if overrides and mistake.at in overrides:
        return None  # the student's own value stands in for that step: the rule cannot show
    try:
        return pick(solution.evaluate(overrides, variant=(mistake.at, mistake.name)))
    except Exception:  # a wrong rule may fail on some data (a negative size): then it is no match here
        return None
