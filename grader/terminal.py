"""The terminal view of grading: a line, a table or a block per student, and a class line.

Everything that comes from a file (ids, names, answers, feedback) is shown as
``Text``, never parsed as Rich markup.  A table is used only when it fits the
width without splitting a word (a number, a mistake's name, a header); when it
does not, each item becomes a block whose feedback wraps at spaces, in full.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from grader.report import STATUSES, Item, StudentReport, unusable_reason
from solver.graph.values import format_value

STATUS_STYLE = {
    "correct": "green",
    "carried_forward": "cyan",
    "partial": "yellow",
    "mistake": "magenta",
    "wrong": "red",
    "missing": "dim",
    "invalid": "bold red",
}
#: Longest given or expected value shown in a table cell (the blocks and the JSON show more).
CELL = 48
#: Longest given or expected value shown in a block.
BLOCK_CELL = 400
#: Given and expected columns are made no wider than this unless a single word needs it.
VALUE_COLUMN = 14
#: Narrowest feedback column worth a table; below it the items are shown as blocks.
FEEDBACK_MIN = 30


def value_text(value: Any, limit: int = CELL) -> str:
    """A given or expected value on one line, cut between words past ``limit`` characters."""
    text = "—" if value is None else value if isinstance(value, str) else format_value(value)
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    # Cut between words, so that no number is shown cut short.
    head = text[: limit - 1]
    return (head.rsplit(" ", 1)[0] if " " in head else head) + " …"


def rounded(x: float) -> str:
    """A score as people read it: at most two decimals."""
    return f"{round(x, 2):g}"


def _longest_word(texts: list[str]) -> int:
    return max((len(word) for text in texts for word in text.split()), default=0)


def _title(report: StudentReport) -> str:
    who = f"{report.student} ({report.name})" if report.name else report.student
    percent = 100 * report.score / report.max_score if report.max_score else 0.0
    return f"{who}: {rounded(report.score)} / {rounded(report.max_score)} ({percent:.0f}%)"


def _points(item: Item) -> str:
    return f"{rounded(item.score)}/{rounded(item.max_score)}"


def _status(item: Item, separator: str) -> Text:
    named = f":{separator}{item.mistake}" if item.mistake else ""
    return Text(item.status + named, STATUS_STYLE.get(item.status, ""))


def student_view(report: StudentReport, width: int = 100) -> RenderableType:
    """A student as a table when one fits ``width``, else as a block per item."""
    return unusable_line(report) or student_table(report, width) or student_blocks(report, width)


def student_table(report: StudentReport, width: int = 100) -> Table | None:
    """One row per item, or None when the columns cannot fit ``width`` without splitting a word."""
    cells = {
        "question": [i.problem for i in report.items],
        "step": [i.step for i in report.items],
        "given": [value_text(i.given) for i in report.items],
        "expected": [value_text(i.expected_text or i.expected) for i in report.items],
        "points": [_points(i) for i in report.items],
        "status": [w for i in report.items for w in (i.status, i.mistake or "")],
    }
    widths = {name: max(len(name), _longest_word(texts)) for name, texts in cells.items()}
    for name in ("given", "expected"):
        widest = max((len(text) for text in cells[name]), default=0)
        widths[name] = max(widths[name], min(widest, VALUE_COLUMN))
    # Neighbouring columns are three spaces apart: padding, the box's blank rule, padding.
    room = width - sum(widths.values()) - 3 * len(widths)
    if room < max(FEEDBACK_MIN, _longest_word([i.feedback for i in report.items])):
        return None
    feedback_width = min(room, max(len("feedback"), *(len(i.feedback) for i in report.items)))
    table = Table(
        title=Text(_title(report)), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False
    )
    for name, size in widths.items():
        table.add_column(name, width=size, overflow="fold", justify="right" if name == "points" else "left")
    table.add_column("feedback", width=feedback_width, overflow="fold")
    for item, given, expected in zip(report.items, cells["given"], cells["expected"], strict=True):
        row = (item.problem, item.step, given, expected, _points(item))
        table.add_row(*map(Text, row), _status(item, "\n"), Text(item.feedback))
    return table


def student_blocks(report: StudentReport, width: int = 80) -> Table:
    """Each item as a heading line and its given value, expected value and full feedback below it."""
    grid = Table.grid(padding=(0, 1))
    label_width = max(len("  expected"), *(len(i.problem) for i in report.items))
    grid.add_column(width=label_width, no_wrap=True)
    grid.add_column(width=max(10, width - label_width - 1), overflow="fold")
    grid.title = Text(_title(report))
    grid.title_justify = "left"
    for item in report.items:
        heading = Text.assemble(Text(item.step, "bold"), f"  {_points(item)}  ", _status(item, " "))
        grid.add_row(Text(item.problem, "bold"), heading)
        grid.add_row("  given", Text(value_text(item.given, BLOCK_CELL)))
        grid.add_row("  expected", Text(value_text(item.expected_text or item.expected, BLOCK_CELL)))
        if item.feedback:
            grid.add_row("  feedback", Text(item.feedback))
    return grid


def compact_line(report: StudentReport) -> str:
    """A student in one line: the score and how many items have each status."""
    unusable = unusable_line(report)
    if unusable is not None:
        return unusable.plain
    counts = Counter(i.status for i in report.items)
    tally = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s])
    return f"{_title(report)} — {tally or 'nothing asked'}"


def class_line(scores: list[float], top: float) -> str:
    if not scores:
        return "Class: no submissions"
    return (
        f"Class: {len(scores)} {'student' if len(scores) == 1 else 'students'}, "
        f"mean {statistics.fmean(scores):.2f} / {rounded(top)}, "
        f"median {rounded(statistics.median(scores))}, lowest {rounded(min(scores))}, highest {rounded(max(scores))}"
    )


def unusable_line(report: StudentReport) -> Text | None:
    """One line instead of a table when the whole answers file could not be used."""
    reason = unusable_reason(report)
    if reason is None:
        return None
    return Text.assemble(
        (f"{report.student}: 0 / {rounded(report.max_score)}", "bold"),
        (" — every item invalid: ", "bold red"),
        reason,
    )
