"""The CSV gradebook: one row per student, one column per asked step, the total.

Written atomically: to a temporary file in the same directory, then renamed
over the target, so that a crash never leaves half a gradebook behind.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from grader.prepare import PreparedHomework
from grader.report import StudentReport


def gradebook_rows(prepared: PreparedHomework, reports: list[StudentReport]) -> list[list[str]]:
    columns = [(s.problem.id, s.reference) for s in prepared.all_steps()]
    header = ["student", "name", *(f"{p}.{step}" for p, step in columns), "total", "max"]
    rows = [header]
    for report in reports:
        scores = {(i.problem, i.step): i.score for i in report.items if i.max_score}
        rows.append(
            [
                report.student,
                report.name,
                *(f"{scores.get(column, 0):g}" for column in columns),
                f"{report.score:g}",
                f"{prepared.max_score:g}",
            ]
        )
    return rows


def write_gradebook(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    directory = path.resolve().parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(buffer.getvalue())
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
