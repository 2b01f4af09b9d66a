"""The terminal view of grading: one Rich table per student and a class line."""

from __future__ import annotations

import statistics
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from grader.report import StudentReport
from solver.values import format_value

STATUS_STYLE = {
    "correct": "green",
    "carried_forward": "cyan",
    "partial": "yellow",
    "mistake": "magenta",
    "wrong": "red",
    "missing": "dim",
    "invalid": "bold red",
}
#: Longest text shown in a table cell (the JSON keeps everything).
CELL = 48


def _cell(value: Any) -> str:
    text = "—" if value is None else value if isinstance(value, str) else format_value(value)
    text = " ".join(text.split())
    return text if len(text) <= CELL else text[: CELL - 1] + "…"


def _number(x: float) -> str:
    return f"{round(x, 2):g}"


def student_table(report: StudentReport, width: int = 100) -> Table:
    """One student's items; the feedback column takes what the console width leaves."""
    who = f"{report.student} ({report.name})" if report.name else report.student
    percent = 100 * report.score / report.max_score if report.max_score else 0.0
    table = Table(
        title=f"{who}: {_number(report.score)} / {_number(report.max_score)} ({percent:.0f}%)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    step_width = max([len("step"), *(len(i.step) for i in report.items)])
    widths = {"question": 9, "step": step_width + 1, "given": 12, "expected": 12, "points": 7, "status": 17}
    for column, size in widths.items():
        table.add_column(column, width=size, overflow="fold", justify="right" if column == "points" else "left")
    # seven columns: two spaces of padding between neighbours
    table.add_column("feedback", width=max(20, width - sum(widths.values()) - 2 * len(widths)))
    for item in report.items:
        status = item.status + (f":\n{item.mistake}" if item.mistake else "")
        table.add_row(  # ids, step names and feedback (author hints) come from files: text, never markup
            Text(item.problem),
            Text(item.step),
            _cell(item.given),
            _cell(item.expected_text or item.expected),
            f"{_number(item.score)}/{_number(item.max_score)}",
            Text(status, style=STATUS_STYLE.get(item.status, "")),
            Text(item.feedback),
        )
    return table


def class_line(reports: list[StudentReport]) -> str:
    if not reports:
        return "Class: no submissions"
    scores = [r.score for r in reports]
    top = max(r.max_score for r in reports)
    return (
        f"Class: {len(reports)} {'student' if len(reports) == 1 else 'students'}, "
        f"mean {statistics.fmean(scores):.2f} / {_number(top)}, "
        f"median {_number(statistics.median(scores))}, lowest {_number(min(scores))}, highest {_number(max(scores))}"
    )


def unusable_line(report: StudentReport) -> Text | None:
    """One line instead of a table when the whole answers file could not be used."""
    reasons = {item.feedback for item in report.items}
    if not report.items or len(reasons) != 1 or any(item.status != "invalid" for item in report.items):
        return None
    return Text.assemble(
        (f"{report.student}: 0 / {_number(report.max_score)}", "bold"),
        (" — every item invalid: ", "bold red"),
        reasons.pop() or "",
    )


def render_reports(reports: list[StudentReport], width: int = 100) -> RenderableType:
    parts: list[RenderableType] = []
    for report in reports:
        parts += [unusable_line(report) or student_table(report, width), Text()]
    parts.append(Text(class_line(reports), style="bold"))
    return Group(*parts)
