"""Gradescope's results.json as its autograder specification describes it, as a checker for tests.

Written from the specification (gradescope-autograders.readthedocs.io, "Autograder
Specifications"), not from nnsolve's code: the top-level fields and each test's fields,
their types, and the values the enumerated ones may take.
"""

from __future__ import annotations

import math
from typing import Any

VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
OUTPUT_FORMATS = {"text", "html", "simple_format", "md", "ansi"}
STATUSES = {"passed", "failed"}

_NUMBER = (int, float)
TOP_LEVEL: dict[str, Any] = {
    "score": _NUMBER,
    "execution_time": _NUMBER,
    "output": str,
    "output_format": OUTPUT_FORMATS,
    "test_output_format": OUTPUT_FORMATS,
    "test_name_format": OUTPUT_FORMATS,
    "visibility": VISIBILITIES,
    "stdout_visibility": VISIBILITIES,
    "extra_data": dict,
    "tests": list,
    "leaderboard": list,
}
TEST: dict[str, Any] = {
    "score": _NUMBER,
    "max_score": _NUMBER,
    "status": STATUSES,
    "name": str,
    "name_format": OUTPUT_FORMATS,
    "number": str,
    "output": str,
    "output_format": OUTPUT_FORMATS,
    "tags": list,
    "visibility": VISIBILITIES,
    "extra_data": dict,
}


def _problems(data: dict[str, Any], fields: dict[str, Any], where: str) -> list[str]:
    problems = [f"{where}: unknown field {key!r}" for key in data if key not in fields]
    for key, rule in fields.items():
        if key not in data:
            continue
        value = data[key]
        if isinstance(rule, set):
            ok = value in rule
        elif rule is _NUMBER:
            ok = isinstance(value, _NUMBER) and not isinstance(value, bool) and math.isfinite(value)
        else:
            ok = isinstance(value, rule)
        if not ok:
            problems.append(f"{where}.{key}: {value!r} is not allowed here")
    return problems


def results_problems(results: Any) -> list[str]:
    """Every way ``results`` departs from the specification (empty when it follows it)."""
    if not isinstance(results, dict):
        return ["results.json is not a JSON object"]
    problems = _problems(results, TOP_LEVEL, "results")
    tests = results.get("tests", [])
    if "score" not in results and not all(isinstance(t, dict) and "score" in t for t in tests):
        problems.append("results: a score is required at the top level or on every test")
    for index, test in enumerate(tests if isinstance(tests, list) else []):
        if not isinstance(test, dict):
            problems.append(f"tests[{index}] is not an object")
            continue
        problems += _problems(test, TEST, f"tests[{index}]")
        if not all(isinstance(tag, str) for tag in test.get("tags", [])):
            problems.append(f"tests[{index}].tags: expected strings")
    return problems
