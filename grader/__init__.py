"""Grading students' answers to worked exercises, step by step.

The model: a homework asks named steps of solutions (``solver.graph.steps.Solution``);
a student's answers file gives values for them.  Each value is read for the
kind of value its step has (``grader.parse``, with ``solver.math.expressions`` for
symbolic answers: a whitelisting parser, never ``eval``), compared by a rule
named for what it does (``grader.rules``), widened by the slack that rounding
intermediate values explains (``grader.rounding``), and, when it is not right,
checked for carried-forward credit, author hints and named mistakes
(``grader.grading``, ``grader.mistakes``).  Everything that does not depend on
the student is computed once (``grader.prepare``).  Reports come out as a Rich
table (``grader.terminal``), a gradebook an LMS imports or nnsolve's per-step
CSV, written atomically and matched to a class roster (``grader.gradebook``,
``grader.roster``), each student's feedback page (``grader.feedback``) or JSON
(``grader.report``).

The solver never imports this package; the command line joins them.

>>> from pathlib import Path
>>> from grader import grade_files
>>> reports = grade_files(Path("problems/homework1.yaml"), [Path("problems/submissions/ada_correct.yaml")])
>>> reports[0].student, reports[0].score, reports[0].max_score
('s01', 54.0, 54.0)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.report import StudentReport

__all__ = ["grade_files"]


def grade_files(homework: Path, submissions: list[Path]) -> list[StudentReport]:
    """Grade answers files (or directories of them) against a homework file."""
    from grader.answers import read_submission, submission_paths
    from grader.grading import grade_all
    from grader.homework import load_homework
    from grader.prepare import prepare

    prepared = prepare(load_homework(homework))
    return grade_all(prepared, (read_submission(p) for p in submission_paths(submissions)))
