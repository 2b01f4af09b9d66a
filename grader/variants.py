"""A variant per student: each random problem of a homework drawn from a seed of the student's own.

The seed of a student's variant of a problem is a hash of the homework's salt,
its title, the problem id and the student id, fed to ``numpy.random.default_rng``:
the same student always gets the same numbers, whatever the roster's order, and
without the salt nobody can compute another student's.  A drawn variant must
meet its problem's conditions and keep every classic mistake that the file's
own data tells apart from the truth distinguishable (else it is drawn again,
``solver.files.randomize``).  The variant's note, a short digest of everything
drawn, is printed on the student's sheet and template and checked on the
answers file (STACK's "question note").

Grading recomputes each student's variant from their id (``PreparedHomework.for_student``);
only the problems that vary are prepared again, and only the last student's
preparation is kept, so memory does not grow with the class.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from grader.homework import Homework, LoadedProblem
from grader.prepare import PreparedHomework, PreparedStep, prepare_step
from solver.files.randomize import draw_variant
from solver.graph.errors import InputError

if TYPE_CHECKING:
    from grader.roster import Student
    from solver.graph.steps import Solution
    from solver.render.sheet import Sheet

#: Hex digits of the note (two groups of four): 1 in 4 billion that two different variants share one.
NOTE_DIGITS = 8


def variant_seed(salt: str | None, homework: str, problem_id: str, student: str) -> int:
    """A 128-bit seed of the four, unambiguous (JSON keeps ``("a b", "c")`` apart from ``("a", "b c")``)."""
    text = json.dumps([salt or "", homework, problem_id, student], ensure_ascii=False)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:16], "big")


def variant_note(drawn: dict[str, dict[str, Any]]) -> str:
    """A short digest of the drawn values by problem: two students share it when they share every number."""
    text = json.dumps(drawn, sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()[:NOTE_DIGITS]
    return f"{digest[:4]}-{digest[4:]}"


@dataclass
class StudentHomework:
    """A student's own homework: the random problems drawn for them, with the note that names the variant."""

    homework: Homework
    note: str
    #: Prepared asked steps of the problems drawn for this student, by problem id.
    prepared: dict[str, list[PreparedStep]]
    #: The values drawn, by problem id and path in given.
    drawn: dict[str, dict[str, Any]]


def require_random(homework: Homework) -> None:
    if not homework.is_random:
        raise InputError(
            "has no random problem, so every student gets the same one; "
            "expected a problem with random: (see problems/homework1_random.yaml)",
            where=str(homework.path),
        )


def student_homework(homework: Homework, student: str, base: PreparedHomework | None = None) -> StudentHomework:
    """``student``'s variant of ``homework``; ``base`` (its prepared form) saves preparing the file's data again."""
    import numpy as np

    base = base or _prepared_random_problems(homework)
    problems: list[LoadedProblem] = []
    prepared: dict[str, list[PreparedStep]] = {}
    drawn: dict[str, dict[str, Any]] = {}
    for problem in homework.problems:
        if problem.random is None:
            problems.append(problem)
            continue
        test = _DistinguishableMistakes(problem, base.steps[problem.id])
        rng = np.random.default_rng(variant_seed(homework.salt, homework.title, problem.id, student))
        variant = draw_variant(problem.random, rng, test)
        problems.append(test.loaded(variant.solution))
        prepared[problem.id] = test.accepted
        drawn[problem.id] = variant.drawn
    return StudentHomework(replace(homework, problems=problems), variant_note(drawn), prepared, drawn)


def _prepared_random_problems(homework: Homework) -> PreparedHomework:
    steps = {p.id: [prepare_step(p, a) for a in p.asked] for p in homework.problems if p.random is not None}
    return PreparedHomework(homework, steps)


class _DistinguishableMistakes:
    """The grader's test of a drawn variant: a mistake the file's own data tells apart stays told apart.

    The steps prepared for the variant it accepts are kept (``accepted``): grading needs them.
    """

    def __init__(self, problem: LoadedProblem, base: list[PreparedStep]):
        self.problem = problem
        self.caught = {step.reference: {m.name for m in step.mistakes} for step in base}
        self.accepted: list[PreparedStep] = []

    def loaded(self, solution: Solution) -> LoadedProblem:
        """The problem with the drawn solution: a fixed problem now, drawn no more.

        A title the kind made from the file's data ("... on 12×12") is made again from the drawn data.
        """
        made = self.problem.title == self.problem.solution.title
        return replace(
            self.problem, solution=solution, random=None, title=solution.title if made else self.problem.title
        )

    def __call__(self, solution: Solution) -> str | None:
        loaded = self.loaded(solution)
        steps = []
        for asked in loaded.asked:
            step = prepare_step(loaded, asked)
            lost = sorted(self.caught[step.reference] & {m.name for m in step.indistinguishable})
            if lost:
                return f"the mistake {lost[0]} gives the true {step.reference}"
            steps.append(step)
        self.accepted = steps
        return None


class StudentVariants:
    """Each student's prepared homework, made when their submission is graded; only the last one is kept."""

    def __init__(self, base: PreparedHomework):
        self.base = base
        self._last: tuple[str, StudentHomework] | None = None

    def of(self, student: str) -> StudentHomework:
        if self._last is None or self._last[0] != student:
            self._last = (student, student_homework(self.base.homework, student, self.base))
        return self._last[1]

    def prepared_for(self, student: str) -> tuple[PreparedHomework, str]:
        """``student``'s prepared homework and their variant's note."""
        own = self.of(student)
        steps = {pid: own.prepared.get(pid, steps) for pid, steps in self.base.steps.items()}
        return PreparedHomework(own.homework, steps), own.note


def student_variants(prepared: PreparedHomework) -> StudentVariants:
    """The students' variants of a random homework's prepared form (made once, kept with it)."""
    if prepared.variants is None:
        prepared.variants = StudentVariants(prepared)
    return prepared.variants


def note_mismatch(note: str | None, expected: str, student: str) -> str | None:
    """Why an answers file's note refuses it, or None (a file without a note is graded against the student's id)."""
    if note is None or note == expected:
        return None
    return (
        f"its note {note!r} is not the note of the variant of student {student!r} ({expected}): "
        "answers to another variant, or the wrong student id"
    )


def student_sheet(own: StudentHomework, student: Student) -> Sheet:
    """The solution sheet (or handout) of a student's variant, titled with their name and the variant's note."""
    from grader.sheet import homework_sheet

    sheet = homework_sheet(own.homework)
    who = f"{student.name} ({student.id})" if student.name else student.id
    return replace(sheet, title=f"{sheet.title} — {who}, variant {own.note}")
