"""Commands ``nnsolve grade`` and ``nnsolve answer-template``, and the homework side of ``solve``/``check``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

HomeworkArgument = Annotated[Path, typer.Argument(help="A homework file (YAML).")]


def grade(
    homework: HomeworkArgument,
    submissions: Annotated[list[Path], typer.Argument(help="Answers files, or directories of them.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON.")] = False,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write a CSV gradebook to this file.")] = None,
) -> None:
    """Grade students' answers files against a homework.

    Every submission gets a report, however broken its file: an unreadable
    file or value makes that item invalid with the reason.
    """
    from grader.answers import read_submission, submission_paths
    from grader.grading import grade_all
    from grader.homework import load_homework
    from grader.prepare import prepare
    from solver.errors import InputError

    prepared = prepare(load_homework(homework))
    paths = submission_paths(submissions)
    if not paths:
        raise InputError("no answers files found; expected .yaml files or directories holding them")
    reports = grade_all(prepared, (read_submission(p) for p in paths))
    if csv_path is not None:
        from grader.gradebook import gradebook_rows, write_gradebook

        try:
            write_gradebook(csv_path, gradebook_rows(prepared, reports))
        except OSError as error:
            raise InputError(f"cannot write the gradebook: {error.strerror}", where=str(csv_path)) from None
    if as_json:
        from grader.report import reports_to_json

        sys.stdout.write(json.dumps(reports_to_json(reports), indent=2, ensure_ascii=False) + "\n")
        return
    from rich.console import Console

    from grader.terminal import render_reports

    console = Console(highlight=False)
    console.print(render_reports(reports, console.width))
    if csv_path is not None:
        print(f"gradebook written to {csv_path}")


def answer_template(homework: HomeworkArgument) -> None:
    """Print an answers file for students to fill in."""
    from grader.homework import load_homework
    from grader.sheet import answers_template

    sys.stdout.write(answers_template(load_homework(homework), str(homework)))


def check_homework(homework: Path, as_json: bool) -> int:
    """The self-test of a homework (``nnsolve check HOMEWORK``); 3 when the reference is not full marks."""
    from grader.homework import load_homework
    from grader.prepare import prepare
    from grader.selftest import self_test, self_test_lines
    from solver.errors import ExitStatus
    from solver.values import counted

    loaded = load_homework(homework)
    result = self_test(prepare(loaded))
    if as_json:
        sys.stdout.write(json.dumps({"file": str(homework), **result.to_json()}, indent=2, ensure_ascii=False) + "\n")
    else:
        steps = sum(len(p.asked) for p in loaded.problems)
        problems = counted(len(loaded.problems), "problem")
        print(f"{homework}: valid homework, {problems}, {counted(steps, 'asked step')}")
        print("\n".join(self_test_lines(result)))
    return ExitStatus.OK if result.ok else ExitStatus.DISCREPANCY


def solve_homework(homework: Path, fmt: str) -> None:
    """The solution sheet of a whole homework (``nnsolve solve HOMEWORK``)."""
    from grader.homework import load_homework
    from grader.sheet import homework_json, homework_markdown, print_homework_terminal

    loaded = load_homework(homework)
    if fmt == "md":
        sys.stdout.write(homework_markdown(loaded))
    elif fmt == "json":
        sys.stdout.write(homework_json(loaded))
    else:
        print_homework_terminal(loaded)


def register(app: typer.Typer) -> None:
    app.command("grade")(grade)
    app.command("answer-template")(answer_template)
