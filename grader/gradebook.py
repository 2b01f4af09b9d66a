"""Gradebooks: a CSV file an LMS imports (Canvas, Moodle, Blackboard) or nnsolve's own, per step.

Each format is one entry of ``GRADEBOOKS``: its leading rows (the header, and
Canvas's ``Points Possible`` row) and a student's row.  Rows are written as
students are graded, in grading order (the LMSs match rows by their ids, not
by position), to a temporary file in the target's directory that is renamed
over the target only when the whole class is done: an error or a crash never
leaves half a gradebook behind, and memory holds one id per student, never
their reports.

With a roster, a row carries the LMS's ids from the roster; students on the
roster with no submission get a row with an empty grade (not 0: the LMS then
shows them as ungraded), and submissions whose student is not on the roster
are left out (``grader.cli`` lists both).
Without one, the answers file's student id is the LMS's id (Canvas's SIS User
ID, the Moodle identifier, the Blackboard username).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from grader.report import StudentReport
from grader.roster import CANVAS_COLUMNS, Roster, Student
from solver.files.writing import atomic_file
from solver.graph.errors import InputError

if TYPE_CHECKING:
    from grader.prepare import PreparedHomework

#: Moodle's names for the user fields its grade import can match a row by, as its own export heads them.
MOODLE_IDENTIFIERS = {"email": "Email address", "username": "Username", "idnumber": "ID number"}


@dataclass(frozen=True)
class Assignment:
    """What a gradebook is written for: the homework, its column's title, and the LMS's settings."""

    prepared: PreparedHomework
    #: The grade column's heading (Canvas: ``Title (assignment id)``).
    title: str
    #: The Moodle user field rows are matched by (a key of ``MOODLE_IDENTIFIERS``).
    identifier: str = "email"
    #: Blackboard's id of the Grade Center column (the number after ``|`` in a downloaded file's heading).
    column_id: str = ""


#: A student's row: the student (from the roster, or the answers file) and their report, None when absent.
RowWriter = Callable[[Assignment, Student, StudentReport | None], list[str]]


@dataclass(frozen=True)
class GradebookFormat:
    #: What ``--gradebook`` takes.
    name: str
    #: What ``--help`` says it is.
    description: str
    #: The rows before the students': the header, and Canvas's ``Points Possible`` row.
    leading: Callable[[Assignment], list[list[str]]]
    row: RowWriter
    #: The field of ``Student`` every student of a roster must have for this format, if any.
    needs: Callable[[Assignment], str | None] = lambda assignment: None
    #: Refuses (``InputError``) the settings this format cannot be imported with.
    check: Callable[[Assignment], None] = lambda assignment: None
    #: Blackboard wants every field quoted in a comma-separated file.
    quoting: int = csv.QUOTE_MINIMAL


def _score(report: StudentReport | None) -> str:
    """The total, or nothing for a student with no submission (an empty grade, not 0)."""
    return "" if report is None else f"{report.score:g}"


def _steps_header(assignment: Assignment) -> list[list[str]]:
    columns = [f"{s.problem.id}.{s.reference}" for s in assignment.prepared.all_steps()]
    return [["student", "name", *columns, "total", "max"]]


def _steps_row(assignment: Assignment, student: Student, report: StudentReport | None) -> list[str]:
    steps = assignment.prepared.all_steps()
    if report is None:
        scores = [""] * len(steps)
    else:
        earned = {(i.problem, i.step): i.score for i in report.items if i.max_score}
        scores = [f"{earned.get((s.problem.id, s.reference), 0):g}" for s in steps]
    name = student.name or (report.name if report else "")
    return [student.id, name, *scores, _score(report), f"{assignment.prepared.max_score:g}"]


def _canvas_header(assignment: Assignment) -> list[list[str]]:
    points = ["Points Possible", *[""] * (len(CANVAS_COLUMNS) - 1), f"{assignment.prepared.max_score:g}"]
    return [[*CANVAS_COLUMNS, assignment.title], points]


def _canvas_row(assignment: Assignment, student: Student, report: StudentReport | None) -> list[str]:
    # A Canvas export's ids are copied back as they were; otherwise nnsolve's id is the SIS User ID.
    ids = student.lms or {
        "Student": student.name or (report.name if report else ""),
        "SIS User ID": student.id,
        "SIS Login ID": student.username,
    }
    return [*(ids.get(column, "") for column in CANVAS_COLUMNS), _score(report)]


def _moodle_header(assignment: Assignment) -> list[list[str]]:
    return [[MOODLE_IDENTIFIERS[assignment.identifier], assignment.title, f"{assignment.title} (feedback)"]]


def _check_moodle(assignment: Assignment) -> None:
    if assignment.identifier not in MOODLE_IDENTIFIERS:
        raise InputError(
            f"unknown Moodle identifier {assignment.identifier!r}; expected one of: {', '.join(MOODLE_IDENTIFIERS)}",
            where="--moodle-id",
        )


def _moodle_row(assignment: Assignment, student: Student, report: StudentReport | None) -> list[str]:
    identifier = getattr(student, assignment.identifier) or student.id
    return [identifier, _score(report), feedback_summary(report) if report else ""]


def _blackboard_header(assignment: Assignment) -> list[list[str]]:
    # The heading of a downloaded Grade Center column: the upload finds the column by the id after "|".
    points = f"{assignment.prepared.max_score:g}"
    return [["Username", f"{assignment.title} [Total Pts: {points} Score] |{assignment.column_id}"]]


def _check_blackboard(assignment: Assignment) -> None:
    # Without the id of an existing column, Blackboard would add a new text column worth 0 points.
    if not re.fullmatch(r"[0-9]{1,20}", assignment.column_id):
        got = f"got {assignment.column_id!r}" if assignment.column_id else "none was given"
        raise InputError(
            f"the blackboard gradebook needs --column-id, the number after '|' in the column's heading "
            f"of a downloaded Grade Center file; {got}"
        )


def _blackboard_row(assignment: Assignment, student: Student, report: StudentReport | None) -> list[str]:
    return [student.username or student.id, _score(report)]


#: Every gradebook ``--gradebook`` writes, by name.
GRADEBOOKS: dict[str, GradebookFormat] = {
    f.name: f
    for f in (
        GradebookFormat("canvas", "Canvas's grade import, with a Points Possible row", _canvas_header, _canvas_row),
        GradebookFormat(
            "moodle",
            "Moodle's grade import: the identifier, the grade, the feedback",
            _moodle_header,
            _moodle_row,
            needs=lambda assignment: assignment.identifier,
            check=_check_moodle,
        ),
        GradebookFormat(
            "blackboard",
            "Blackboard's Grade Center upload: usernames and a column id",
            _blackboard_header,
            _blackboard_row,
            needs=lambda assignment: "username",
            check=_check_blackboard,
            quoting=csv.QUOTE_ALL,
        ),
        GradebookFormat("csv", "one column per asked step, the total and the maximum", _steps_header, _steps_row),
    )
}


def feedback_summary(report: StudentReport) -> str:
    """The score, then one line for each item not fully right: its status, mistake and feedback."""
    from grader.terminal import rounded  # Rich, which it imports, is loaded only when a summary is written

    lines = [f"{rounded(report.score)} / {rounded(report.max_score)}"]
    for item in report.items:
        if item.score < item.max_score or item.status == "invalid":
            named = f" ({item.mistake})" if item.mistake else ""
            lines.append(f"{item.problem} {item.step}: {item.status}{named}. {item.feedback}".rstrip())
    return "\n".join(lines)


#: What a spreadsheet reads as the start of a formula when a cell begins with it.
_FORMULA_START = re.compile(r"[=+\-@\t\r]")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?(e-?[0-9]+)?")


def inert(cell: str) -> str:
    """``cell`` as a spreadsheet shows it and never runs it: text that would start a formula gets a leading ``'``.

    Names and ids come from files, and instructors open gradebooks in spreadsheets before
    importing them: a name like ``=HYPERLINK(...)`` must stay text.  Numbers are left alone.
    """
    if _FORMULA_START.match(cell) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def check_roster(book: GradebookFormat, assignment: Assignment, roster: Roster) -> None:
    """Refuse a roster that lacks, for some student, the id ``book`` matches rows by."""
    needed = book.needs(assignment)
    if needed is None:
        return
    lacking = next((student for student in roster if not getattr(student, needed)), None)
    if lacking is not None:
        raise InputError(
            f"student {lacking.id!r} has no {needed} on the roster; "
            f"expected a {needed} for every student, which the {book.name} gradebook matches students by"
        )


class Gradebook:
    """A gradebook written row by row as students are graded.

    A student graded again (a later file kept by ``--keep-last``) replaces their earlier row.
    """

    def __init__(self, out: TextIO, book: GradebookFormat, assignment: Assignment, roster: Roster | None = None):
        self._out = out
        self._book = book
        self._assignment = assignment
        self._roster = roster
        self._writer = csv.writer(out, lineterminator="\n", quoting=book.quoting)
        leading = book.leading(assignment)
        self._writer.writerows(map(inert, row) for row in leading)
        self._leading = len(leading)
        self._rows = 0
        self._row_of: dict[str, int] = {}
        self._dropped: set[int] = set()

    def add(self, report: StudentReport) -> None:
        student = self._student(report)
        if student is None:
            return  # not on the roster: not written (the caller lists it)
        if student.id in self._row_of:
            self._dropped.add(self._row_of[student.id])
        self._write(student, report)

    def _student(self, report: StudentReport) -> Student | None:
        if self._roster is None:
            return Student(report.student, report.name)
        return self._roster.find(report.student)

    def _write(self, student: Student, report: StudentReport | None) -> None:
        self._row_of[student.id] = self._rows
        self._rows += 1
        self._writer.writerow(map(inert, self._book.row(self._assignment, student, report)))

    def finish(self) -> None:
        """Write the roster's students that had no submission, then leave out replaced rows."""
        for student in self._roster or ():
            if student.id not in self._row_of:
                self._write(student, None)
        if self._dropped:
            self._compact()

    def _compact(self) -> None:
        """Leave out the rows of students whose later file replaced them.

        The file is compacted in place, streamed: rows are only ever left out, so what is
        written back never overtakes what has been read.
        """
        self._out.flush()
        with open(self._out.name, encoding="utf-8", newline="") as written:
            self._out.seek(0)
            rows = enumerate(csv.reader(written), start=-self._leading)
            self._writer.writerows(row for index, row in rows if index not in self._dropped)
        self._out.truncate()


@contextmanager
def open_gradebook(
    path: Path, book: GradebookFormat, assignment: Assignment, roster: Roster | None = None
) -> Iterator[Gradebook]:
    """A gradebook that appears at ``path`` whole once the block ends, or not at all."""
    book.check(assignment)
    if roster is not None:
        check_roster(book, assignment, roster)
    with atomic_file(path) as out:
        gradebook = Gradebook(out, book, assignment, roster)
        yield gradebook
        gradebook.finish()
