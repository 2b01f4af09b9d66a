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
from collections import Counter
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
        steps = [prepare_step(loaded, asked) for asked in loaded.asked]
        for step in steps:
            lost = sorted(self.caught[step.reference] & {m.name for m in step.indistinguishable})
            if lost:
                return f"the mistake {lost[0]} gives the true {step.reference}"
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


# -- nnsolve check HOMEWORK --variants N ------------------------------------------------------------


#: A spec gives students shared numbers when fewer than this share of the students checked get variants of their own.
NARROW = 0.5


@dataclass
class VariantsCheck:
    """The self-test of N students' variants: what failed, and the problems whose spec gives few variants."""

    students: int
    #: Failures (a variant that cannot be drawn, a reference that does not grade 100%) -> how many variants had it.
    failures: Counter[str]
    #: Problem id -> how many different variants the students checked got.
    distinct: dict[str, int]

    @property
    def narrow(self) -> list[str]:
        return [pid for pid, count in self.distinct.items() if count < NARROW * self.students]

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        return {
            "variants": self.students,
            "ok": self.ok,
            "failures": [{"failure": failure, "variants": count} for failure, count in self.failures.items()],
            "distinct": self.distinct,
            "too_narrow": self.narrow,
        }

    def lines(self) -> list[str]:
        found = [f"{self.students} variants checked: {self.failures.total()} failures"]
        found += [f"  ✗ {failure} ({count} of {self.students} variants)" for failure, count in self.failures.items()]
        for pid, count in self.distinct.items():
            mark = "  too narrow: students share numbers" if pid in self.narrow else ""
            found.append(f"  {pid}: {count} different variants in {self.students}{mark}")
        return found


def check_variants(homework: Homework, count: int) -> VariantsCheck:
    """Draw ``count`` students' variants; each must meet its conditions and grade its reference 100%."""
    from grader.prepare import prepare
    from grader.selftest import self_test
    from solver.files.randomize import missed_condition

    require_random(homework)
    variants = StudentVariants(prepare(homework))
    failures: Counter[str] = Counter()
    seen: dict[str, set[str]] = {p.id: set() for p in homework.problems if p.random is not None}
    for number in range(1, count + 1):
        student = f"variant-check-{number}"
        try:
            prepared, _ = variants.prepared_for(student)
        except InputError as error:
            failures[str(error)] += 1
            continue
        drawn = variants.of(student).drawn
        for template, own in zip(homework.problems, prepared.homework.problems, strict=True):
            if template.random is None:
                continue
            seen[own.id].add(json.dumps(drawn[own.id], sort_keys=True, default=str))
            # Checked again on the variant as drawn, as a student's sheet will show it.
            missed = missed_condition(template.random.conditions(), own.solution)
            failures.update([f"{own.id}: {missed}"] if missed else [])
        failures.update(
            f"{item.problem} {item.step}: the reference answer is {item.status}: {item.feedback}"
            for item in self_test(prepared).report.items
            if item.status != "correct"
        )
    return VariantsCheck(count, failures, {pid: len(values) for pid, values in seen.items()})
