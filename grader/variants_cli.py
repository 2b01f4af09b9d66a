"""``nnsolve variants HOMEWORK --roster ROSTER.csv -o DIR``: each student's handout and answers template.

For every student of the roster: ``ID.html`` (and ``ID.pdf`` when the PDF
extra is installed), the handout of their own variant, and ``ID.answers.yaml``,
their answers template; both carry the variant's note.  ``index.csv`` lists
student, name, note and files.  Everything is written in a folder beside DIR
and moved in place at the end: an error leaves nothing behind.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from grader.homework import Homework
    from grader.roster import Student
    from grader.variants import StudentHomework

INDEX_COLUMNS = ["student", "name", "note", "files"]


def variants(
    homework: Annotated[Path, typer.Argument(help="A homework file with random problems (YAML).")],
    roster: Annotated[Path, typer.Option("--roster", help="The class roster (CSV with an id column, or Canvas's).")],
    out: Annotated[Path, typer.Option("--output", "-o", help="A new (or empty) folder for the students' files.")],
) -> None:
    """Write each student's handout and answers template for their own variant, and an index."""
    from grader.gradebook import inert
    from grader.homework import load_homework
    from grader.prepare import prepare
    from grader.roster import read_roster
    from grader.variants import StudentVariants, require_random
    from solver.files.writing import file_stem
    from solver.graph.errors import InputError

    loaded = load_homework(homework)
    require_random(loaded)
    students = read_roster(roster)
    if not len(students):
        raise InputError("the roster lists no student; expected a row per student", where=str(roster))
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError("already exists and is not an empty folder; expected a new folder", where=str(out))
    variants = StudentVariants(prepare(loaded))
    staging = _staging_folder(out)
    try:
        with open(staging / "index.csv", "w", encoding="utf-8", newline="") as index:
            writer = csv.writer(index, lineterminator="\n")
            writer.writerow(INDEX_COLUMNS)
            for student, stem in zip(students, (file_stem(s.id) for s in students), strict=True):
                files = _write_student(staging, stem, loaded, variants.of(student.id), student, homework.name)
                row = [student.id, student.name, variants.of(student.id).note, ";".join(files)]
                writer.writerow([inert(cell) for cell in row])  # the roster's text, opened in a spreadsheet
        os.replace(staging, out)  # an empty folder at ``out`` is replaced whole
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    print(f"{len(students)} students' variants written to {out} (index.csv lists them)")


def _staging_folder(out: Path) -> Path:
    from solver.graph.errors import InputError

    try:
        folder = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.resolve().parent))
    except OSError as error:
        raise InputError(f"cannot write there: {error.strerror or error}", where=str(out)) from None
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)  # the permissions any new folder gets, not a temporary one's private ones
    return folder


def _write_student(
    folder: Path, stem: str, homework: Homework, own: StudentHomework, student: Student, source: str
) -> list[str]:
    """The student's handout(s) and answers template in ``folder``; the names of the files written."""
    from grader.sheet import answers_template
    from grader.variants import student_sheet
    from solver.render import FORMATS

    sheet = student_sheet(own, student)
    files = [f"{stem}.html"]
    if importlib.util.find_spec("typst") is not None:
        files.append(f"{stem}.pdf")
    for name in files:
        target = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        FORMATS[name.rpartition(".")[2]].renderer().write_handout(sheet, target)  # type: ignore[attr-defined]
        target.flush()
        (folder / name).write_bytes(target.buffer.getvalue())  # type: ignore[attr-defined]
    template = answers_template(own.homework, source, student, own.note)
    (folder / f"{stem}.answers.yaml").write_text(template, encoding="utf-8")
    return [*files, f"{stem}.answers.yaml"]


def register(app: typer.Typer) -> None:
    app.command("variants")(variants)
