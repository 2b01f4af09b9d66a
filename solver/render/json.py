"""The machine-readable form: ``{"kind", "title", "answers", ..., "steps"}``.

JSON carries every computed value in full, and between the answers the data of
each table that has a key (conv-stack's ``layers``, the RNN's ``jacobian_norms``).  A large given array (an image, a
weight matrix read from a file) is not echoed back: its step says its shape and
that it was left out, unless ``full`` asks for it (``--full``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from solver.graph.names import fill_names
from solver.graph.steps import Solution, Step
from solver.graph.values import SUMMARY_ENTRIES, is_numpy, to_json
from solver.render.equation import equation

if TYPE_CHECKING:
    from solver.render.sheet import Sheet

Convert = Callable[[Any], Any]


def solution_dict(solution: Solution, full: bool = False, convert: Convert = to_json) -> dict[str, Any]:
    """The JSON data of ``solution``; ``convert`` turns each value into JSON data."""
    return {
        "kind": solution.kind,
        "title": solution.title,
        "answers": {name: convert(value) for name, value in solution.answers.items()},
        **{key: convert(value) for key, value in solution.published().items()},
        "steps": [
            {
                "name": step.name,
                "title": fill_names(step.title),
                "latex": equation(step, solution, "latex"),
                **_value_fields(step, full, convert),
                "deps": list(step.deps),
                **({"written_in": list(step.written_in)} if step.written_in else {}),
                "note": step.note,
            }
            for step in solution
        ],
    }


def _value_fields(step: Step, full: bool, convert: Convert) -> dict[str, Any]:
    """``{"value": ...}``, or for a large given array its shape and why the value is left out."""
    size = step.value.size if is_numpy(step.value) else 0
    if full or not step.is_given or size <= SUMMARY_ENTRIES:
        return {"value": convert(step.value)}
    return {
        "value": None,
        "shape": list(step.value.shape),
        "omitted": f"given data of {size} numbers, not repeated (--full includes it)",
    }


#: Arrays with more numbers than this are written on one line: indenting a feature map (or a
#: layer of 300 units) would put every number on a line of its own and take the slow pure-Python encoder.
COMPACT_ENTRIES = 64


def write_solution(solution: Solution, out: TextIO, full: bool) -> None:
    out.write(render_json(solution, full) + "\n")


def write_sheet(sheet: Sheet, out: TextIO, full: bool) -> None:
    data: dict[str, Any] = {
        "title": sheet.title,
        "problems": [
            {
                "id": p.id,
                "title": p.title,
                "asked": {a.reference: to_json(a.value) for a in p.asked},
                "points": {a.reference: a.points for a in p.asked},
                "solution": solution_dict(p.solution, full),
            }
            for p in sheet.problems
        ],
    }
    out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def render_json(solution: Solution, full: bool = False) -> str:
    large = _LargeArrays()
    data = _set_aside(solution_dict(solution, full, large.convert), large)
    pieces = _SLOT.split(json.dumps(data, indent=2, ensure_ascii=False))
    # split() alternates text and slot numbers: put each array in its slot.
    pieces[1::2] = [large.encoded[int(slot)] for slot in pieces[1::2]]
    return "".join(pieces)


_PLACEHOLDER = "@@nnsolve-array-"
_SLOT = re.compile(r'"@@nnsolve-array-(\d+)@@"')


class _LargeArrays:
    """Large arrays set aside while the rest is indented, each encoded once on one line."""

    def __init__(self) -> None:
        self.encoded: list[str] = []
        #: A step's value appears under "answers" and under "steps": the same object, encoded once.
        self._slots: dict[int, str] = {}

    def slot(self, data: Any) -> str:
        # ensure_ascii keeps the C encoder's fastest path (the arrays hold numbers only).
        self.encoded.append(json.dumps(data))
        return f"{_PLACEHOLDER}{len(self.encoded) - 1}@@"

    def convert(self, value: Any) -> Any:
        if not is_numpy(value) or value.size <= COMPACT_ENTRIES:
            return to_json(value)
        if id(value) not in self._slots:
            self._slots[id(value)] = self.slot(to_json(value))
        return self._slots[id(value)]


def _set_aside(node: Any, large: _LargeArrays) -> Any:
    """``node`` with each large list (not a NumPy array: those are set aside already) in a slot."""
    if isinstance(node, dict):
        return {key: _set_aside(value, large) for key, value in node.items()}
    if isinstance(node, list) and node and not isinstance(node[0], dict):
        return large.slot(node) if _entries(node) > COMPACT_ENTRIES else node
    if isinstance(node, list):
        return [_set_aside(item, large) for item in node]
    return node


def _entries(array: list[Any]) -> int:
    """Number of entries of a regular nested list, from its first item along each axis."""
    count = 1
    while isinstance(array, list) and array:
        count, array = count * len(array), array[0]
    return count
