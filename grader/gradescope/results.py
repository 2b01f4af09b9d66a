"""Gradescope's results.json from a student's report: one test per asked step, feedback in Markdown.

The fields and their values are those of Gradescope's autograder specification
(``score``, ``output``, ``output_format``, ``visibility``, ``stdout_visibility``,
``tests``: ``name``, ``score``, ``max_score``, ``status``, ``output``,
``output_format``, ``tags``, ``visibility``).  Everything a student wrote is
shown inside a code span, so that nothing in an answers file becomes Markdown.
"""

from __future__ import annotations

import json
import re
from typing import Any

from grader.report import Item, StudentReport

#: Longest answer shown back to a student (the rest is cut with "…").
SHOWN_ANSWER = 200
#: Markdown's punctuation that could turn text into emphasis, links, HTML or tables.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!&])")
_BACKTICKS = re.compile(r"`+")

#: Who sees the stdout of run_autograder: the instructor only.
STDOUT_VISIBILITY = "hidden"
#: Name of the test that holds the expected values and feedback when they wait for the due date.
KEY_TEST = "Expected values and feedback"


def markdown_text(text: str) -> str:
    """``text`` as Markdown that shows it literally, on one line."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def code_span(value: Any, limit: int | None = SHOWN_ANSWER) -> str:
    """``value`` (what a student wrote, or a value) as one Markdown code span, whatever it holds.

    What a student wrote is cut at ``limit`` characters; the expected values are shown whole (None).
    """
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    fence = "`" * (1 + max((len(run) for run in _BACKTICKS.findall(text)), default=0))
    return f"{fence} {text} {fence}" if text else "(blank)"


def step_name(item: Item) -> str:
    """``q7 · z1``; an answer under an unknown problem id is named by the id alone."""
    return " · ".join(part for part in (item.problem, item.step) if part)


def _passed(item: Item) -> bool:
    return item.status == "correct" or 0 < item.max_score <= item.score


def _points(value: float) -> str:
    return f"{value:g}"


def _feedback(item: Item) -> str:
    """The grader's feedback as Markdown, unless it only says "expected …" (said beside it already)."""
    if not item.feedback or item.feedback == f"expected {item.expected_text}":
        return ""
    return markdown_text(item.feedback)


def _step_output(item: Item, show_expected: bool) -> str:
    """The step's feedback as Markdown paragraphs: status and points, the answer, and (unless held back) the rest."""
    status = item.status.replace("_", " ")
    lines = [f"**{status}**: {_points(item.score)} / {_points(item.max_score)} points"]
    if item.mistake:
        lines.append(f"Mistake: {markdown_text(item.mistake)}")
    if item.given is not None:
        lines.append(f"Your answer: {code_span(item.given)}")
    if show_expected and item.expected_text:
        lines.append(f"Expected: {code_span(item.expected_text, None)}")
    # Why an answer cannot be read is about how it is written, not about the value expected: always said.
    if show_expected or item.status == "invalid":
        lines.append(_feedback(item))
    return "\n\n".join(line for line in lines if line)


def _tags(item: Item) -> list[str]:
    return [item.status, *([item.mistake] if item.mistake else [])]


def step_test(item: Item, show_expected: bool) -> dict[str, Any]:
    return {
        "name": step_name(item),
        "score": item.score,
        "max_score": item.max_score,
        "status": "passed" if _passed(item) else "failed",
        "output": _step_output(item, show_expected),
        "output_format": "md",
        "tags": _tags(item),
        "visibility": "visible",
    }


def key_test(items: list[Item]) -> dict[str, Any]:
    """Every step's expected value and feedback, shown once the due date has passed (worth no points)."""
    lines = []
    for item in items:
        parts = [f"expected {code_span(item.expected_text, None)}" if item.expected_text else "", _feedback(item)]
        lines.append(f"- **{markdown_text(step_name(item))}**: " + "; ".join(p for p in parts if p))
    return {
        "name": KEY_TEST,
        "score": 0.0,
        "max_score": 0.0,
        "output": "\n".join(lines),
        "output_format": "md",
        "visibility": "after_due_date",
    }


def graded_results(report: StudentReport, title: str, expected_after_due_date: bool) -> dict[str, Any]:
    """results.json for a graded report: the steps' tests, and the key test when expected values wait."""
    tests = [step_test(item, not expected_after_due_date) for item in report.items]
    correct = sum(item.status == "correct" for item in report.items)
    summary = (
        f"**{markdown_text(title)}**: {_points(report.score)} / {_points(report.max_score)} points, "
        f"{correct} of {len(report.items)} steps correct."
    )
    if expected_after_due_date:
        tests.append(key_test(report.items))
        summary += f" The expected values and feedback appear under “{KEY_TEST}” after the due date."
    return _results(report.score, summary, tests)


def failed_results(reason: str, max_score: float) -> dict[str, Any]:
    """results.json for a submission that could not be graded: score 0 and one visible failing test saying why."""
    test = {
        "name": "Grading failed",
        "score": 0.0,
        "max_score": max_score,
        "status": "failed",
        "output": markdown_text(reason),
        "output_format": "md",
        "tags": ["invalid"],
        "visibility": "visible",
    }
    return _results(0.0, f"Your submission could not be graded: {markdown_text(reason)}", [test])


def _results(score: float, summary: str, tests: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "score": score,
        "output": summary,
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": STDOUT_VISIBILITY,
        "tests": tests,
    }
