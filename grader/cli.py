"""Commands ``nnsolve grade`` and ``nnsolve answer-template``, and the homework side of ``solve``/``check``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from grader.gradebook import Gradebook
    from grader.homework import Homework
    from grader.prepare import PreparedHomework
    from grader.report import StudentReport

HomeworkArgument = Annotated[Path, typer.Argument(help="A homework file (YAML).")]
SubmissionsArgument = Annotated[list[Path], typer.Argument(help="Answers files, or directories of them.")]
JobsOption = Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: every core).")]
KeepLastOption = Annotated[
    bool, typer.Option("--keep-last", help="When two files have the same student id, keep the later one.")
]


#: Largest class shown as tables by default on a terminal; past it, one line per student.
TABLE_CLASS = 50


def grade(
    homework: HomeworkArgument,
    submissions: SubmissionsArgument,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON.")] = False,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write a CSV gradebook to this file.")] = None,
    tables: Annotated[
        bool | None,
        typer.Option(
            "--tables/--lines",
            help="A table per student, or one line per student (default: tables on a terminal for up to "
            f"{TABLE_CLASS} students).",
        ),
    ] = None,
    jobs: JobsOption = None,
    keep_last: KeepLastOption = False,
) -> None:
    """Grade students' answers files against a homework.

    Every submission gets a report, however broken its file: an unreadable
    file or value makes that item invalid with the reason.  Students are
    graded and written as the batch goes, on every core, in the order given.
    """
    from grader.batch import grade_class
    from grader.homework import load_homework
    from grader.prepare import prepare

    paths = class_files(submissions)
    prepared = prepare(load_homework(homework))
    with ExitStack() as stack:
        sinks = _sinks(stack, prepared, csv_path, as_json, _show_tables(tables, len(paths)))
        seen: dict[str, str] = {}
        scores: dict[str, float] = {}
        for report in with_progress(stack, grade_class(prepared, paths, jobs), len(paths)):
            check_duplicate(report, seen, keep_last)
            scores[report.student] = report.score
            for sink in sinks:
                sink.add(report)
        for sink in sinks:
            sink.finish(list(scores.values()), prepared.max_score)
    if csv_path is not None and not as_json:
        print(f"gradebook written to {csv_path}")


def class_files(submissions: list[Path]) -> list[Path]:
    """The answers files the command line names; none at all is a mistake."""
    from grader.answers import submission_paths
    from solver.graph.errors import InputError

    paths = submission_paths(submissions)
    if not paths:
        raise InputError("no answers files found; expected .yaml files or directories holding them")
    return paths


def _show_tables(tables: bool | None, students: int) -> bool:
    return tables if tables is not None else sys.stdout.isatty() and students <= TABLE_CLASS


def check_duplicate(report: StudentReport, seen: dict[str, str], keep_last: bool) -> None:
    """Two files for one student are an error, unless the later one is asked to replace the earlier."""
    from solver.graph.errors import InputError

    earlier = seen.get(report.student)
    seen[report.student] = report.source
    if earlier is None:
        return
    if not keep_last:
        raise InputError(
            f"student {report.student!r} is in two answers files, {earlier} and {report.source}; "
            "expected one file per student (--keep-last keeps the later one)"
        )
    print(f"{report.student}: {report.source} replaces {earlier} (--keep-last)", file=sys.stderr)


def _sinks(
    stack: ExitStack, prepared: PreparedHomework, csv_path: Path | None, as_json: bool, tables: bool
) -> list[ReportSink]:
    """Where each report goes as soon as it is graded: the gradebook, then the JSON or the terminal."""
    sinks: list[ReportSink] = []
    if csv_path is not None:
        sinks.append(stack.enter_context(_gradebook_sink(csv_path, prepared)))
    sinks.append(JsonSink() if as_json else TerminalSink(tables))
    return sinks


class ReportSink:
    def add(self, report: StudentReport) -> None:
        raise NotImplementedError

    def finish(self, scores: list[float], top: float) -> None:
        """Called once every student is in; ``scores`` has one score per student."""


class JsonSink(ReportSink):
    def __init__(self) -> None:
        from grader.report import JsonArrayWriter

        self._writer = JsonArrayWriter(sys.stdout)

    def add(self, report: StudentReport) -> None:
        self._writer.add(report)

    def finish(self, scores: list[float], top: float) -> None:
        self._writer.finish()


class TerminalSink(ReportSink):
    """A table (or blocks) per student on request, else one line per student; then the class line."""

    def __init__(self, tables: bool):
        from rich.console import Console

        self._console = Console(highlight=False)
        self._tables = tables

    def add(self, report: StudentReport) -> None:
        from grader.terminal import compact_line, student_view

        if self._tables:
            self._console.print(student_view(report, self._console.width))
            self._console.print()
        else:
            sys.stdout.write(compact_line(report) + "\n")

    def finish(self, scores: list[float], top: float) -> None:
        from rich.text import Text

        from grader.terminal import class_line

        self._console.print(Text(class_line(scores, top), style="bold"))


class GradebookSink(ReportSink):
    def __init__(self, gradebook: Gradebook):
        self._gradebook = gradebook

    def add(self, report: StudentReport) -> None:
        self._gradebook.add(report)


@contextmanager
def _gradebook_sink(path: Path, prepared: PreparedHomework) -> Iterator[GradebookSink]:
    from grader.gradebook import open_gradebook
    from solver.graph.errors import InputError

    try:
        with open_gradebook(path, prepared) as gradebook:
            yield GradebookSink(gradebook)
    except OSError as error:
        raise InputError(f"cannot write the gradebook: {error.strerror}", where=str(path)) from None


def with_progress(stack: ExitStack, reports: Iterator[StudentReport], total: int) -> Iterator[StudentReport]:
    """``reports``, with a progress bar on stderr when stderr is a terminal."""
    if not sys.stderr.isatty():
        return reports
    from rich.console import Console
    from rich.progress import Progress

    progress = stack.enter_context(Progress(console=Console(stderr=True), transient=True))
    return progress.track(reports, total=total, description="grading")


def answer_template(homework: HomeworkArgument) -> None:
    """Print an answers file for students to fill in."""
    from grader.homework import load_homework
    from grader.sheet import answers_template

    sys.stdout.write(answers_template(load_homework(homework), str(homework)))


def check_homework(loaded: Homework, as_json: bool) -> int:
    """The self-test of a homework (``nnsolve check HOMEWORK``); 3 when the reference is not full marks."""
    from grader.prepare import prepare
    from grader.selftest import self_test, self_test_lines
    from solver.graph.errors import ExitStatus
    from solver.graph.values import counted

    result = self_test(prepare(loaded))
    if as_json:
        sys.stdout.write(
            json.dumps({"file": str(loaded.path), **result.to_json()}, indent=2, ensure_ascii=False) + "\n"
        )
    else:
        steps = sum(len(p.asked) for p in loaded.problems)
        problems = counted(len(loaded.problems), "problem")
        print(f"{loaded.path}: valid homework, {problems}, {counted(steps, 'asked step')}")
        print("\n".join(self_test_lines(result)))
    return ExitStatus.OK if result.ok else ExitStatus.DISCREPANCY


def register(app: typer.Typer) -> None:
    app.command("grade")(grade)
    app.command("answer-template")(answer_template)
