"""The CSV gradebook: one row per student, one column per asked step, the total.

Rows are written as students are graded, to a temporary file in the target's
directory that is renamed over the target only when the whole class is done:
an error or a crash never leaves half a gradebook behind, and memory does not
grow with the class.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from grader.prepare import PreparedHomework
from grader.report import StudentReport
from solver.files.writing import atomic_file


def gradebook_header(prepared: PreparedHomework) -> list[str]:
    columns = [f"{s.problem.id}.{s.reference}" for s in prepared.all_steps()]
    return ["student", "name", *columns, "total", "max"]


def gradebook_row(prepared: PreparedHomework, report: StudentReport) -> list[str]:
    scores = {(i.problem, i.step): i.score for i in report.items if i.max_score}
    return [
        report.student,
        report.name,
        *(f"{scores.get((s.problem.id, s.reference), 0):g}" for s in prepared.all_steps()),
        f"{report.score:g}",
        f"{prepared.max_score:g}",
    ]


def gradebook_rows(prepared: PreparedHomework, reports: list[StudentReport]) -> list[list[str]]:
    return [gradebook_header(prepared), *(gradebook_row(prepared, r) for r in reports)]


def write_gradebook(path: Path, rows: list[list[str]]) -> None:
    with atomic_file(path) as out:
        csv.writer(out, lineterminator="\n").writerows(rows)


class Gradebook:
    """A gradebook written row by row; ``replace`` drops a student's earlier row (kept last)."""

    def __init__(self, out: TextIO, prepared: PreparedHomework):
        self._out = out
        self._prepared = prepared
        self._writer = csv.writer(out, lineterminator="\n")
        self._writer.writerow(gradebook_header(prepared))
        self._rows = 0
        self._row_of: dict[str, int] = {}
        self._dropped: set[int] = set()

    def add(self, report: StudentReport) -> None:
        if report.student in self._row_of:
            self._dropped.add(self._row_of[report.student])
        self._row_of[report.student] = self._rows
        self._rows += 1
        self._writer.writerow(gradebook_row(self._prepared, report))

    def finish(self) -> None:
        """Leave out the rows of students whose later file replaced them.

        The file is compacted in place, streamed: rows are only ever left out, so what is
        written back never overtakes what has been read.
        """
        if not self._dropped:
            return
        self._out.flush()
        with open(self._out.name, encoding="utf-8", newline="") as written:
            self._out.seek(0)
            kept = (row for index, row in enumerate(csv.reader(written), start=-1) if index not in self._dropped)
            self._writer.writerows(kept)
        self._out.truncate()


@contextmanager
def open_gradebook(path: Path, prepared: PreparedHomework) -> Iterator[Gradebook]:
    with atomic_file(path) as out:
        gradebook = Gradebook(out, prepared)
        yield gradebook
        gradebook.finish()
