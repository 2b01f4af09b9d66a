"""Commands ``nnsolve gradescope build`` and ``nnsolve gradescope run``: a drop-in Gradescope autograder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

gradescope_app = typer.Typer(
    help="A Gradescope autograder: build its zip, run it on a submission.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@gradescope_app.command("build")
def build(
    homework: Annotated[Path, typer.Argument(help="A homework file (YAML).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The autograder zip to write, e.g. autograder.zip.")],
    wheel: Annotated[
        Path | None, typer.Option("--wheel", help="Put this wheel of nnsolve in the zip instead of building one.")
    ] = None,
    expected_after_due_date: Annotated[
        bool,
        typer.Option(
            "--expected-after-due-date",
            help="Show students the expected values and feedback only after the due date.",
        ),
    ] = False,
) -> None:
    """Write the autograder zip to upload to Gradescope: setup.sh, run_autograder, the homework, nnsolve.

    The zip holds the homework and every problem and matrix file it reads (all
    must be in the homework's folder or below), and a wheel of nnsolve built from
    this checkout with pip (or the one given with --wheel).
    """
    from grader.gradescope.build import build_autograder

    made = build_autograder(homework, out, wheel, expected_after_due_date)
    files = len(made.course_files)
    print(
        f"{out}: {made.homework} and {files} file{'' if files == 1 else 's'} it reads, {made.wheel}; "
        "upload it as the assignment's autograder"
    )


@gradescope_app.command("run")
def run(
    root: Annotated[Path, typer.Option("--root", help="The autograder's folder.")] = Path("/autograder"),
) -> int:
    """Grade the submission in ROOT/submission and write ROOT/results/results.json (what run_autograder does).

    The student is the one Gradescope names in ROOT/submission_metadata.json.
    Whatever goes wrong, a results file is written (a failing test saying why,
    score 0); what is printed is for the instructor.  The exit status is 0 when
    the submission was graded (an unusable answers file included), 2 when the
    autograder's own input is bad (its settings or homework, or Gradescope's
    metadata), said in one line, and 1 when grading failed.
    """
    from grader.gradescope.run import run_autograder, write_results
    from solver.graph.errors import InputError

    outcome = run_autograder(root)
    path = write_results(root, outcome.results)
    if outcome.status == 2:
        print(f"results written to {path}")
        raise InputError(outcome.line)
    print(f"{outcome.line}\nresults written to {path}")
    return outcome.status


def register(app: typer.Typer) -> None:
    app.add_typer(gradescope_app, name="gradescope")
