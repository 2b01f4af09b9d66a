"""The machine-readable form: ``{"kind", "title", "answers", "steps"}``."""

from __future__ import annotations

import json
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


def render_json(solution: Solution) -> str:
    return json.dumps(solution_dict(solution), indent=2, ensure_ascii=False)
