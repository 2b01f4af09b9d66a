"""Command ``nnsolve report``: what a class did, as one HTML page or as JSON."""

from __future__ import annotations

import io
import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from grader.cli import HomeworkArgument, JobsOption, KeepLastOption, SubmissionsArgument

if TYPE_CHECKING:
    from grader.class_report import ClassTally

#: The report's formats, by the extension of ``-o``.
REPORT_FORMATS = {".html": "html", ".json": "json"}


def report(
    homework: HomeworkArgument,
    submissions: SubmissionsArgument,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file: .html (a page) or .json.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="The report as JSON (printed, unless -o names a file).")
    ] = False,
    jobs: JobsOption = None,
    keep_last: KeepLastOption = False,
) -> None:
    """Report on a class: the scores, every asked step's outcomes and most frequent mistakes, students to look at.

    The class is graded as by nnsolve grade and counted as it goes, so a
    class of any size fits in memory; the file is written whole at the end.
    """
    from grader.batch import grade_class
    from grader.class_report import ClassTally
    from grader.cli import check_duplicate, class_files, with_progress
    from grader.homework import load_homework
    from grader.prepare import prepare

    chosen = _report_format(output, as_json)
    paths = class_files(submissions)
    prepared = prepare(load_homework(homework))
    tally = ClassTally(prepared)
    seen: dict[str, str] = {}
    with ExitStack() as stack:
        for graded in with_progress(stack, grade_class(prepared, paths, jobs), len(paths)):
            check_duplicate(graded, seen, keep_last)
            tally.add(graded)
    text = _rendered(tally, chosen)
    if output is None:
        sys.stdout.write(text)
        return
    from solver.cli.output import written_to

    written_to(output, text.encode("utf-8"))
    print(f"class report written to {output}")


def _report_format(output: Path | None, as_json: bool) -> str:
    """``html`` or ``json``, from ``-o``'s extension and ``--json``; checked before any grading."""
    from solver.graph.errors import InputError

    if output is None:
        if not as_json:
            raise InputError("say where the report goes: -o FILE.html (or .json), or --json to print it")
        return "json"
    chosen = REPORT_FORMATS.get(output.suffix.lower())
    if chosen is None:
        raise InputError(f"cannot tell the report's format from {str(output)!r}; expected a .html or .json file")
    if as_json and chosen != "json":
        raise InputError(f"--json writes JSON, but {str(output)!r} is a .html file; expected a .json file")
    if not output.resolve().parent.is_dir():
        raise InputError(f"cannot write {str(output)!r}: no such directory")
    return chosen


def _rendered(tally: ClassTally, chosen: str) -> str:
    from grader.class_page import write_class_page

    if chosen == "json":
        return json.dumps(tally.to_json(), indent=2, ensure_ascii=False) + "\n"
    out = io.StringIO()
    write_class_page(tally, out)
    return out.getvalue()


def register(app: typer.Typer) -> None:
    app.command("report")(report)
