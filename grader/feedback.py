"""Each student's own feedback, ready to return: an HTML page and a Markdown file per student.

A student's table is what the grader found for each asked step: their answer,
the expected value, the points, the status (and the named mistake) and the
feedback.  The HTML page is the solution sheets' page (``solver.render.html``):
self-contained, no script, nothing fetched.  Everything that comes from a file
(ids, names, answers, feedback quoting an answer) is escaped, in HTML and in
Markdown alike.

Files are named by student id; an id that is not a safe file name keeps its safe
characters and a digest of it, and so does the later of two ids a case-blind file
system would file together, so that no student's page takes another's.  Pages are
written into a temporary folder beside the target and moved in only when the
whole class is done, so an error leaves no half-filled folder behind.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from html import escape
from pathlib import Path

from grader.report import Item, StudentReport, unusable_reason
from grader.terminal import BLOCK_CELL, rounded, value_text
from solver.files.writing import file_stem
from solver.graph.errors import InputError

#: The columns of a student's table.
COLUMNS = ("question", "step", "your answer", "expected", "points", "status", "feedback")


def _title(report: StudentReport, homework: str) -> str:
    who = f"{report.student} ({report.name})" if report.name else report.student
    return f"{homework}: {who}"


def _score_line(report: StudentReport) -> str:
    percent = 100 * report.score / report.max_score if report.max_score else 0.0
    return f"{rounded(report.score)} / {rounded(report.max_score)} points ({percent:.0f}%)"


def _unusable_line(report: StudentReport) -> str | None:
    """Why the whole file could not be used, said once above the table rather than on every row."""
    reason = unusable_reason(report)
    return None if reason is None else f"Your answers file could not be graded: {reason}"


def _rows(report: StudentReport) -> list[list[str]]:
    """The rows of the student's table as plain text (escaped by each format)."""
    said_above = unusable_reason(report) is not None
    return [_cells(item, "" if said_above else item.feedback) for item in report.items]


def _cells(item: Item, feedback: str) -> list[str]:
    status = f"{item.status} ({item.mistake})" if item.mistake else item.status
    return [
        item.problem,
        item.step,
        value_text(item.given, BLOCK_CELL),
        value_text(item.expected_text or item.expected, BLOCK_CELL),
        f"{rounded(item.score)} / {rounded(item.max_score)}",
        status.replace("_", " "),
        feedback,
    ]


#: The sheets' classes the page's columns take: points right-aligned like every number.
_HTML_CLASS = {"points": ' class="num"'}


def feedback_html(report: StudentReport, homework: str) -> str:
    """The student's page: who, the score, and the table of their items, each item's feedback under it.

    The feedback has a row of its own, as wide as the table: beside six other columns
    it would be squeezed into a narrow strip on a page the width of a sheet.
    """
    from solver.render.html import page

    title = _title(report, homework)
    body = [f"<h1>{escape(title)}</h1>", f"<p><strong>{escape(_score_line(report))}</strong></p>"]
    unusable = _unusable_line(report)
    if unusable:
        body.append(f'<p class="note">{escape(unusable)}</p>')
    body += ['<div class="scroll"><table>', "<tr>" + "".join(f"<th>{c}</th>" for c in COLUMNS[:-1]) + "</tr>"]
    for row_cells in _rows(report):
        *cells, feedback = map(escape, row_cells)
        row = zip(COLUMNS[:-1], cells, strict=True)
        body.append("<tr>" + "".join(f"<td{_HTML_CLASS.get(c, '')}>{cell}</td>" for c, cell in row) + "</tr>")
        if feedback:
            body.append(f'<tr><td></td><td colspan="{len(cells) - 1}" class="note">{feedback}</td></tr>')
    body.append("</table></div>")
    return page(title, body)


#: Characters that Markdown would read as formatting (or a table's edge) inside a line.
_MARKDOWN = re.compile(r"([\\`*_\[\]|~])")


def _markdown_text(text: str) -> str:
    """``text`` shown as it is: HTML escaped (Markdown passes HTML through), formatting characters too."""
    return _MARKDOWN.sub(r"\\\1", escape(" ".join(text.split()), quote=False))


def feedback_markdown(report: StudentReport, homework: str) -> str:
    lines = [f"# {_markdown_text(_title(report, homework))}", "", f"**{_markdown_text(_score_line(report))}**", ""]
    unusable = _unusable_line(report)
    if unusable:
        lines += [_markdown_text(unusable), ""]
    lines += ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(_markdown_text(cell) for cell in row) + " |" for row in _rows(report)]
    return "\n".join(lines) + "\n"


class FeedbackFolder:
    """Students' feedback files, written beside ``target`` and moved into it by ``finish``."""

    def __init__(self, target: Path, homework: str):
        if target.exists() and not target.is_dir():
            raise InputError("not a folder; expected a folder for the feedback files", where=str(target))
        self._target = target
        self._homework = homework
        self._partial = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.resolve().parent)
        )
        #: The id that took each file name (folded for case-blind file systems).
        self._owner: dict[str, str] = {}

    def add(self, report: StudentReport) -> None:
        stem = file_stem(report.student)
        if self._owner.setdefault(stem.casefold(), report.student) != report.student:
            # Two ids a case-blind file system would file together: the later one's name carries a digest.
            stem = file_stem(report.student, distinct=True)
        (self._partial / f"{stem}.html").write_text(feedback_html(report, self._homework), encoding="utf-8")
        (self._partial / f"{stem}.md").write_text(feedback_markdown(report, self._homework), encoding="utf-8")

    def finish(self) -> None:
        self._target.mkdir(exist_ok=True)
        for path in self._partial.iterdir():
            os.replace(path, self._target / path.name)
        self._partial.rmdir()

    def discard(self) -> None:
        shutil.rmtree(self._partial, ignore_errors=True)
