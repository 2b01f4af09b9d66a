"""Commands ``nnsolve grade`` and ``nnsolve answer-template``, and the homework side of ``solve``/``check``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from grader.gradebook import GRADEBOOKS

if TYPE_CHECKING:
    from grader.feedback import FeedbackFolder
    from grader.gradebook import Assignment, Gradebook, GradebookFormat
    from grader.homework import Homework
    from grader.report import StudentReport
    from grader.roster import Roster

HomeworkArgument = Annotated[Path, typer.Argument(help="A homework file (YAML).")]
SubmissionsArgument = Annotated[list[Path], typer.Argument(help="Answers files, or directories of them.")]
JobsOption = Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: every core).")]
KeepLastOption = Annotated[
    bool, typer.Option("--keep-last", help="When two files have the same student id, keep the later one.")
]


#: Largest class shown as tables by default on a terminal; past it, one line per student.
TABLE_CLASS = 50


GradebookOption = Annotated[
    str | None,
    typer.Option(
        "--gradebook",
        metavar="LMS",
        help="Write a gradebook to -o FILE: "
        + "; ".join(f"{book.name} ({book.description})" for book in GRADEBOOKS.values())
        + ".",
    ),
]
RosterOption = Annotated[
    Path | None,
    typer.Option(
        "--roster",
        help="The class (CSV with an id or student column, or a Canvas or Blackboard gradebook export): "
        "its students with no submission get an empty grade, submissions of others are left out.",
    ),
]


def grade(
    homework: HomeworkArgument,
    submissions: SubmissionsArgument,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON.")] = False,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Write a CSV gradebook (a column per asked step) to this file.")
    ] = None,
    gradebook: GradebookOption = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="The file --gradebook writes.")] = None,
    roster_path: RosterOption = None,
    assignment: Annotated[
        str | None,
        typer.Option(
            "--assignment",
            help="The grade column's heading (default: the homework's title); for Canvas, as its export "
            "heads it: 'Homework 1 (12345)'.",
        ),
    ] = None,
    moodle_id: Annotated[
        str, typer.Option("--moodle-id", help="What Moodle matches students by: email, username or idnumber.")
    ] = "email",
    column_id: Annotated[
        str,
        typer.Option("--column-id", help="Blackboard's column id: the number after '|' in a downloaded heading."),
    ] = "",
    feedback: Annotated[
        Path | None,
        typer.Option("--feedback", help="Write each student's feedback, as HTML and Markdown, into this folder."),
    ] = None,
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
    from grader.gradebook import Assignment
    from grader.homework import load_homework
    from grader.prepare import prepare
    from grader.roster import read_roster
    from solver.graph.errors import InputError

    target = _gradebook_target(gradebook, output, csv_path)
    if roster_path is not None and target is None and feedback is None:
        raise InputError("--roster is for a gradebook or feedback; expected --gradebook, --csv or --feedback too")
    roster = read_roster(roster_path) if roster_path is not None else None
    paths = class_files(submissions)
    prepared = prepare(load_homework(homework))
    if roster is not None:
        prepared.roster_ids = roster.aliases()
    settings = Assignment(prepared, assignment or prepared.homework.title, moodle_id, column_id)
    with ExitStack() as stack:
        sinks = _sinks(stack, settings, target, roster, feedback, keep_last)
        sinks.append(JsonSink() if as_json else TerminalSink(_show_tables(tables, len(paths))))
        seen: dict[str, str] = {}
        scores: dict[str, float] = {}
        for report in with_progress(stack, grade_class(prepared, paths, jobs), len(paths)):
            check_duplicate(report, seen, keep_last)
            scores[report.student] = report.score
            for sink in sinks:
                sink.add(report)
        for sink in sinks:
            sink.finish(list(scores.values()), prepared.max_score)
    if not as_json:
        if target is not None:
            print(f"gradebook written to {target[1]}")
        if feedback is not None:
            print(f"feedback written to {feedback}")


def _gradebook_target(
    name: str | None, output: Path | None, csv_path: Path | None
) -> tuple[GradebookFormat, Path] | None:
    """The gradebook asked for, and its file: ``--gradebook NAME -o FILE``, or ``--csv FILE``."""
    from solver.graph.errors import InputError

    if csv_path is not None:
        if name is not None:
            raise InputError("--csv and --gradebook each write a gradebook; expected one of them")
        return GRADEBOOKS["csv"], csv_path
    if name is None:
        if output is not None:
            raise InputError("-o names the file of a gradebook; expected --gradebook too")
        return None
    if name not in GRADEBOOKS:
        raise InputError(f"unknown gradebook {name!r}; expected one of: {', '.join(GRADEBOOKS)}", where="--gradebook")
    if output is None:
        raise InputError(f"--gradebook {name} writes a file; expected -o FILE too")
    return GRADEBOOKS[name], output


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
    stack: ExitStack,
    assignment: Assignment,
    target: tuple[GradebookFormat, Path] | None,
    roster: Roster | None,
    feedback: Path | None,
    keep_last: bool,
) -> list[ReportSink]:
    """Where each report goes as soon as it is graded, before the JSON or the terminal."""
    sinks: list[ReportSink] = []
    if roster is not None:
        sinks.append(RosterSink(roster, keep_last))
    if target is not None:
        sinks.append(stack.enter_context(_gradebook_sink(*target, assignment, roster)))
    if feedback is not None:
        sinks.append(stack.enter_context(_feedback_sink(feedback, assignment.prepared.homework.title, roster)))
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


class RosterSink(ReportSink):
    """Lists, on stderr, the submissions of students not on the roster and the students with none."""

    def __init__(self, roster: Roster, keep_last: bool):
        self._roster = roster
        self._keep_last = keep_last
        #: Roster id -> the answers file graded for that student.
        self._graded: dict[str, str] = {}

    def add(self, report: StudentReport) -> None:
        from grader.report import unusable_reason
        from solver.graph.errors import InputError

        student = self._roster.find(report.student)
        if student is None:
            unusable = unusable_reason(report)
            if unusable is not None:  # the file could not say whose it is: its name stood in for an id
                print(f"{report.source}: {unusable}; its student is not known, not written", file=sys.stderr)
            else:
                print(f"{report.student}: not on the roster, not written ({report.source})", file=sys.stderr)
            return
        earlier = self._graded.get(student.id)
        self._graded[student.id] = report.source
        if earlier is not None and not self._keep_last:
            raise InputError(
                f"{earlier} and {report.source} are both for student {student.id!r} of the roster; "
                "expected one file per student (--keep-last keeps the later one)"
            )

    def finish(self, scores: list[float], top: float) -> None:
        for student in self._roster:
            if student.id not in self._graded:
                print(f"{student.id}: on the roster, no submission (an empty grade)", file=sys.stderr)


class GradebookSink(ReportSink):
    def __init__(self, gradebook: Gradebook):
        self._gradebook = gradebook

    def add(self, report: StudentReport) -> None:
        self._gradebook.add(report)


@contextmanager
def _gradebook_sink(
    book: GradebookFormat, path: Path, assignment: Assignment, roster: Roster | None
) -> Iterator[GradebookSink]:
    from grader.gradebook import open_gradebook
    from solver.graph.errors import InputError

    try:
        with open_gradebook(path, book, assignment, roster) as gradebook:
            yield GradebookSink(gradebook)
    except OSError as error:
        raise InputError(f"cannot write the gradebook: {error.strerror}", where=str(path)) from None


class FeedbackSink(ReportSink):
    """Each student's feedback files; with a roster, only its students', named by their roster id."""

    def __init__(self, folder: FeedbackFolder, roster: Roster | None):
        self._folder = folder
        self._roster = roster

    def add(self, report: StudentReport) -> None:
        if self._roster is None:
            self._folder.add(report)
            return
        student = self._roster.find(report.student)
        if student is not None:
            self._folder.add(replace(report, student=student.id, name=report.name or student.name))


@contextmanager
def _feedback_sink(folder: Path, homework: str, roster: Roster | None) -> Iterator[FeedbackSink]:
    from grader.feedback import FeedbackFolder
    from solver.graph.errors import InputError

    try:
        pages = FeedbackFolder(folder, homework)
        try:
            yield FeedbackSink(pages, roster)
            pages.finish()
        finally:
            pages.discard()
    except OSError as error:
        raise InputError(f"cannot write the feedback: {error.strerror}", where=str(folder)) from None


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


def check_homework(loaded: Homework, as_json: bool, variants: int | None = None) -> int:
    """The self-test of a homework (``nnsolve check HOMEWORK``); 3 when the reference is not full marks.

    A random homework is self-tested on the file's own data, and with ``variants``
    on that many students' variants too (``grader.selftest.check_variants``).
    """
    from grader.prepare import prepare
    from grader.selftest import check_variants, self_test, self_test_lines
    from solver.graph.errors import ExitStatus
    from solver.graph.values import counted

    result = self_test(prepare(loaded.fixed()))
    drawn = check_variants(loaded, variants) if variants is not None else None
    if as_json:
        found = {"file": str(loaded.path), **result.to_json(), **({"variants": drawn.to_json()} if drawn else {})}
        sys.stdout.write(json.dumps(found, indent=2, ensure_ascii=False) + "\n")
    else:
        steps = sum(len(p.asked) for p in loaded.problems)
        problems = counted(len(loaded.problems), "problem")
        print(f"{loaded.path}: valid homework, {problems}, {counted(steps, 'asked step')}")
        print("\n".join(self_test_lines(result) + (drawn.lines() if drawn else [])))
    return ExitStatus.OK if result.ok and (drawn is None or drawn.ok) else ExitStatus.DISCREPANCY


def register(app: typer.Typer) -> None:
    app.command("grade")(grade)
    app.command("answer-template")(answer_template)
