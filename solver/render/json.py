"""The machine-readable form: ``{"kind", "title", "answers", "steps"}``."""

from __future__ import annotations

import json
import re
from typing import Any

from solver.render import equation
from solver.steps import Solution
from solver.values import to_json


def solution_dict(solution: Solution) -> dict[str, Any]:
    return {
        "kind": solution.kind,
        "title": solution.title,
        "answers": {name: to_json(value) for name, value in solution.answers.items()},
        **{key: to_json(value) for key, value in solution.extra.items()},
        "steps": [
            {
                "name": step.name,
                "title": step.title,
                "latex": equation(step, solution, "latex"),
                "value": to_json(step.value),
                "deps": list(step.deps),
                "note": step.note,
            }
            for step in solution
        ],
    }


#: Arrays with more numbers than this are written on one line: indenting a feature map
#: would put every number on a line of its own and take the slow pure-Python encoder.
COMPACT_ENTRIES = 400


def render_json(solution: Solution) -> str:
    data = solution_dict(solution)
    large: list[Any] = []
    pieces = _SLOT.split(json.dumps(_set_aside(data, large), indent=2, ensure_ascii=False))
    written: list[tuple[Any, str]] = []
    for array in large:
        # A step's value appears under "answers" and under "steps": encode it once.
        same = next((done for seen, done in written if len(seen) == len(array) and seen == array), None)
        # ensure_ascii keeps the C encoder's fastest path (the arrays hold numbers only).
        written.append((array, same if same is not None else json.dumps(array)))
    # split() alternates text and slot numbers: put each array in its slot.
    pieces[1::2] = [written[int(slot)][1] for slot in pieces[1::2]]
    return "".join(pieces)


_PLACEHOLDER = "@@nnsolve-array-"
_SLOT = re.compile(r'"@@nnsolve-array-(\d+)@@"')


def _set_aside(node: Any, large: list[Any]) -> Any:
    """``node`` with each large array replaced by a placeholder string, kept in ``large``."""
    if isinstance(node, dict):
        return {key: _set_aside(value, large) for key, value in node.items()}
    if isinstance(node, list) and node and not isinstance(node[0], dict):
        if _entries(node) > COMPACT_ENTRIES:
            large.append(node)
            return f"{_PLACEHOLDER}{len(large) - 1}@@"
        return node
    if isinstance(node, list):
        return [_set_aside(item, large) for item in node]
    return node


def _entries(array: list[Any]) -> int:
    """Number of entries of a regular nested list, from its first item along each axis."""
    count = 1
    while isinstance(array, list) and array:
        count, array = count * len(array), array[0]
    return count
