"""A class roster: the students of a course and the ids their LMS knows them by.

A roster is a CSV file. nnsolve's own form has a student id column (``id`` or
``student``) and optionally ``name``, ``email``, ``username`` and ``idnumber``
(the ids Moodle and Blackboard know a student by).  A gradebook exported from
Canvas is accepted as it is: its columns ``Student``, ``ID``, ``SIS User ID``,
``SIS Login ID`` and ``Section`` are kept, so that a gradebook written for
Canvas copies them back, and its ``Points Possible`` row is skipped.  A
student's nnsolve id matches whichever of ``SIS User ID``, ``SIS Login ID`` or
``ID`` holds it.  A Grade Center file downloaded from Blackboard is accepted
too: its ``Username`` and ``Student ID`` (the nnsolve id, else the username)
and its ``First Name`` and ``Last Name``.

The file is untrusted like every other: its size, its row count and the length
of its fields are bounded, and every error names the file and line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from solver.files.reading import read_text
from solver.graph.errors import InputError

#: Largest roster file read; a 50,000-student Canvas export with many assignments is under 20 MiB.
MAX_ROSTER_BYTES = 64 << 20
#: Most students on a roster.
MAX_STUDENTS = 200_000
#: Longest field; ids, names and emails are short.
MAX_FIELD = 1_000

#: The columns of a Canvas gradebook export that identify a student, in the order Canvas writes them.
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: Where a Canvas export may hold the id nnsolve knows a student by, most specific first.
CANVAS_ID_COLUMNS = ("SIS User ID", "SIS Login ID", "ID")
#: The id columns of nnsolve's own roster form.
ID_COLUMNS = ("id", "student")
#: The columns of a Blackboard Grade Center download that tell it apart.
BLACKBOARD_COLUMNS = ("Last Name", "First Name", "Username")
#: Where a Blackboard download may hold the id nnsolve knows a student by, most specific first.
BLACKBOARD_ID_COLUMNS = ("Student ID", "Username")


@dataclass(frozen=True)
class Student:
    """One row of a roster.  ``lms`` holds the LMS's own columns for that student (Canvas's ids)."""

    id: str
    name: str = ""
    email: str = ""
    #: The login name Moodle and Blackboard know the student by.
    username: str = ""
    #: The institution's student number (Moodle's "ID number").
    idnumber: str = ""
    lms: dict[str, str] = field(default_factory=dict)


@dataclass
class Roster:
    """The students in the roster's order, found by any of their ids."""

    students: list[Student]
    #: True when the roster is a Canvas gradebook export (its id columns are copied back).
    canvas: bool = False
    _by_id: dict[str, Student] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for student in self.students:
            for key in _keys(student):
                self._by_id.setdefault(key, student)

    def find(self, student_id: str) -> Student | None:
        """The student whose id, username or (on a Canvas export) any of its ids is ``student_id``."""
        return self._by_id.get(student_id)

    def aliases(self) -> dict[str, str]:
        """Each other id a student may go by (a Canvas ID or login), with the roster's id for them."""
        return {key: student.id for key, student in self._by_id.items() if key and key != student.id}

    def __iter__(self) -> Iterator[Student]:
        return iter(self.students)

    def __len__(self) -> int:
        return len(self.students)


def _keys(student: Student) -> list[str]:
    """Every id the student may be known by: nnsolve's, the login, and a Canvas export's ids."""
    keys = [student.id, student.username, *(student.lms.get(column, "") for column in CANVAS_ID_COLUMNS)]
    return [key for key in keys if key]


def read_roster(path: Path) -> Roster:
    """The roster in ``path``; an ``InputError`` naming the file and line for anything else."""
    text = read_text(path, "roster", MAX_ROSTER_BYTES, "a CSV roster")
    rows = _rows(text, path)
    header = next(rows, None)
    if header is None:
        raise InputError("the roster is empty; expected a header row with an id column", where=str(path))
    header = [name.strip().lstrip("\ufeff") for name in header]
    canvas = all(column in header for column in ("Student", "ID"))
    blackboard = not canvas and all(column in header for column in BLACKBOARD_COLUMNS)
    id_columns = CANVAS_ID_COLUMNS if canvas else BLACKBOARD_ID_COLUMNS if blackboard else ID_COLUMNS
    read_student = _canvas_student if canvas else _blackboard_student if blackboard else _plain_student
    if not any(column in header for column in id_columns):
        raise InputError(
            f"no student id column in the header ({', '.join(header) or 'nothing'}); "
            "expected a column named 'id' or 'student', a Canvas gradebook export or a Blackboard download",
            where=f"{path}:1",
        )
    students: list[Student] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        values = dict(zip(header, (value.strip() for value in row), strict=False))  # short rows leave columns out
        if canvas and values.get("Student", "").strip().lower() == "points possible":
            continue
        student = read_student(values)
        if not student.id:
            if not any(values.values()):
                continue  # a blank line
            raise InputError("a student with no id", where=f"{path}:{line}")
        if student.id in seen:
            first = seen[student.id]
            raise InputError(f"student id {student.id!r} appears twice (first on line {first})", where=f"{path}:{line}")
        seen[student.id] = line
        students.append(student)
        if len(students) > MAX_STUDENTS:
            raise InputError(f"more than {MAX_STUDENTS} students; expected at most that many", where=str(path))
    return Roster(students, canvas=canvas)


def _rows(text: str, path: Path) -> Iterator[list[str]]:
    """The CSV rows of ``text``, with csv's errors and over-long fields said in nnsolve's words."""
    # strict: an unclosed quote is an error, not a field that swallows the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            where = f"{path}:{reader.line_num}"
            raise InputError("not a valid CSV row; expected comma-separated fields", where=where) from None
        if any(len(value) > MAX_FIELD for value in row):
            raise InputError(f"a field longer than {MAX_FIELD} characters", where=f"{path}:{reader.line_num}")
        yield row


def _plain_student(values: dict[str, str]) -> Student:
    student_id = values.get("id") or values.get("student") or ""
    extra = {column: values.get(column, "") for column in ("name", "email", "username", "idnumber")}
    return Student(student_id, **extra)


def _blackboard_student(values: dict[str, str]) -> Student:
    username, number = values.get("Username", ""), values.get("Student ID", "")
    name = " ".join(part for part in (values.get("First Name", ""), values.get("Last Name", "")) if part)
    return Student(number or username, name, values.get("Email", ""), username, number)


def _canvas_student(values: dict[str, str]) -> Student:
    lms = {column: values.get(column, "") for column in CANVAS_COLUMNS}
    student_id = next((lms[column] for column in CANVAS_ID_COLUMNS if lms[column]), "")
    return Student(student_id, lms["Student"], values.get("Email", values.get("email", "")), lms=lms)
