"""Grading one submission: reference first, then every way to earn more.

For each asked step the student's value is read for the step's kind of value
and compared with the reference.  When it is not right, the grader looks for
more credit and keeps the best it finds:

* **carried forward**: the step recomputed from the student's own earlier
  answers (``Solution.evaluate(overrides)``) matches: full points less the
  penalty;
* **a name** for the answer (``grader.mistakes``, where every source is found
  and ranked): an author hint gives its message and its score; a declared wrong
  rule (on the reference data or on the student's own earlier answers), an
  expression off by a constant factor or a transposed matrix gives its name, its
  feedback and ``mistake_credit``;
* **partial**: the right fraction of a matrix's entries, wrong ones listed.

An answer that carries no information (``grader.rules.carries_no_information``:
all zeros, one number everywhere, a constant for a function) earns none of the
extra credit: no share of the entries, no named mistake, and as an earlier
answer it carries nothing forward.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cached_property
from typing import Any

from grader.answers import Submission
from grader.judge import Verdict
from grader.mistakes import explain, frozen, mistake_value
from grader.parse import AnswerError, parse_answer
from grader.prepare import PreparedHomework, PreparedStep
from grader.report import Item, Status, StudentReport, unusable_reason
from grader.rules import carries_no_information, shape_like
from solver.graph.errors import InputError
from solver.graph.names import entry_index, entry_name, split_entry
from solver.graph.steps import entry_position
from solver.graph.values import Shape, format_value, is_numpy

#: Wrong entries listed in feedback before "and N more".
LISTED_ENTRIES = 4
_PRIORITY: dict[Status, int] = {"carried_forward": 4, "mistake": 3, "partial": 2, "wrong": 1}
#: Added to a named mistake's feedback when the entries that are right earn more than the name does.
ENTRIES_STILL_EARN = " The entries that are right still earn their share."


@dataclass(frozen=True)
class Credit:
    fraction: float
    status: Status
    mistake: str | None
    feedback: str


def grade_submission(prepared: PreparedHomework, submission: Submission) -> StudentReport:
    if prepared.homework.is_random and not submission.problem:
        prepared, submission = _own_variant(prepared, submission)
    report = StudentReport(submission.student, submission.name, submission.source, unusable=submission.problem or None)
    if report.unusable is not None:
        reason = unusable_reason(report)
        report.items = [_item(step, None, 0.0, "invalid", None, reason) for step in prepared.all_steps()]
        return report
    known = ", ".join(prepared.steps)
    for problem_id, raws in submission.answers.items():
        if problem_id not in prepared.steps:
            report.items.append(_stray(problem_id, "", raws, f"unknown problem id {problem_id!r}; expected {known}"))
    for problem_id, steps in prepared.steps.items():
        raws = submission.answers.get(problem_id, {})
        report.items += _stray_steps(problem_id, steps, raws)
        read = _read_each(steps, raws)
        earlier = _EarlierAnswers(steps, read)
        report.items += [_grade_step(step, raws, read[step.reference], earlier) for step in steps]
    return report


def _own_variant(prepared: PreparedHomework, submission: Submission) -> tuple[PreparedHomework, Submission]:
    """The student's own variant of a random homework; the submission refused when its note is another's."""
    from grader.variants import note_mismatch, student_variants

    try:
        own, note = student_variants(prepared).prepared_for(prepared.variant_id(submission.student))
    except InputError as error:
        return prepared, replace(submission, answers={}, problem=f"no variant can be drawn for this student: {error}")
    refusal = note_mismatch(submission.note, note, prepared.variant_id(submission.student))
    return own, replace(submission, answers={}, problem=refusal) if refusal else submission


def grade_all(prepared: PreparedHomework, submissions: Iterable[Submission]) -> list[StudentReport]:
    return [grade_submission(prepared, s) for s in submissions]


# -- reading the answers -------------------------------------------------------------------------


def _entry_keys(step: PreparedStep, raws: dict[str, Any]) -> list[str]:
    prefix = step.name + "["
    return [k for k in raws if k.startswith(prefix)] if step.whole and step.kind == "array" else []


def _stray_steps(problem_id: str, steps: list[PreparedStep], raws: dict[str, Any]) -> list[Item]:
    asked = {s.reference for s in steps}
    covered = asked | {k for s in steps for k in _entry_keys(s, raws)}
    listed = ", ".join(sorted(asked))
    return [
        _stray(problem_id, key, raws[key], f"step {key!r} is not asked in {problem_id}; expected {listed}")
        for key in raws
        if key not in covered
    ]


def _stray(problem_id: str, step: str, raw: Any, reason: str) -> Item:
    return Item(problem_id, step, _raw_json(raw), None, 0.0, 0.0, "invalid", None, reason)


def _read(step: PreparedStep, raws: dict[str, Any]) -> Any:
    """The student's parsed value for ``step`` (assembled from entries if given one by one)."""
    if step.reference in raws:
        raw = raws[step.reference]
        return None if _is_blank(raw) else _parse(raw, step)
    keys = [key for key in _entry_keys(step, raws) if not _is_blank(raws[key])]
    if not keys:
        return None
    import numpy as np

    assembled = np.full(np.shape(step.expected), np.nan)
    origin = step.problem.solution[step.name].index_origin
    for key in keys:
        index = _index(key, assembled.shape, origin)
        assembled[index] = float(_parse_number_entry(raws[key], key))
    return assembled


def _is_blank(raw: Any) -> bool:
    """A step left blank, as the answers template invites: missing, not invalid."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _parse(raw: Any, step: PreparedStep) -> Any:
    return parse_answer(raw, step.kind, step.symbols)


def _parse_number_entry(raw: Any, key: str) -> float:
    try:
        return float(parse_answer(raw, "number"))
    except AnswerError as error:
        raise AnswerError(f"{key}: {error}") from None


def _index(key: str, shape: tuple[int, ...], origin: tuple[int, ...]) -> tuple[int, ...]:
    _, inside = split_entry(key)
    numbers = None if inside is None else entry_index(inside)
    if numbers is None:
        raise AnswerError(f"{key}: expected whole-number indices such as z1[2] or W1[1,2]")
    try:
        return entry_position(numbers, shape, origin, key)
    except InputError as error:
        raise AnswerError(error.message) from None


def _read_each(steps: list[PreparedStep], raws: dict[str, Any]) -> dict[str, Any]:
    """Each asked step's parsed answer (None when blank, the AnswerError when unreadable), read once."""
    read: dict[str, Any] = {}
    for step in steps:
        try:
            read[step.reference] = _read(step, raws)
        except AnswerError as error:
            read[step.reference] = error
    return read


class _EarlierAnswers:
    """The student's whole-step answers that differ from the reference: what a later step may carry forward.

    Each is judged by its own step's rule (kind of value and tolerance), once per
    submission and only when a wrong answer first asks for them.
    """

    def __init__(self, steps: list[PreparedStep], read: dict[str, Any]):
        self._steps = steps
        self._read = read

    @cached_property
    def differing(self) -> dict[str, Any]:
        found = {}
        for step in self._steps:
            value = self._read[step.reference]
            if not step.whole or value is None or isinstance(value, AnswerError) or not _fits(value, step.expected):
                continue
            value = _as_step_value(value, step.expected)
            if not step.matches(value, step.expected).full:
                found[step.name] = value
        return found


def _fits(value: Any, expected: Any) -> bool:
    if is_numpy(expected) and getattr(expected, "ndim", 0) > 0:
        from grader.rules import matching_shape

        return hasattr(value, "shape") and matching_shape(value, expected.shape) is not None
    return True


def _as_step_value(value: Any, expected: Any) -> Any:
    """The student's value in the type the step computes with (a Fraction for a Fraction step, ...)."""
    if isinstance(expected, Shape):
        return Shape(shape_like(tuple(value), expected))
    if isinstance(expected, Fraction) and isinstance(value, (int, float)):
        return Fraction(value).limit_denominator(1000)
    if isinstance(expected, int) and isinstance(value, float) and value.is_integer():
        return int(value)
    if is_numpy(expected):
        import numpy as np

        if getattr(expected, "ndim", 0) > 0:
            return np.asarray(value, dtype=expected.dtype if expected.dtype.kind == "f" else float).reshape(
                expected.shape
            )
        return np.float64(value)
    return value


# -- grading one step ------------------------------------------------------------------------------


def _grade_step(step: PreparedStep, raws: dict[str, Any], given: Any, earlier: _EarlierAnswers) -> Item:
    """Grade ``given``, the step's answer as read (None when blank, an AnswerError when unreadable)."""
    if isinstance(given, AnswerError):
        return _item(step, raws.get(step.reference), 0.0, "invalid", None, f"cannot read the answer: {given}")
    shown = raws.get(step.reference, {k: raws[k] for k in _entry_keys(step, raws)} or None)
    if given is None:
        return _item(step, None, 0.0, "missing", None, "no answer")
    verdict = step.matches(given, step.expected, rounded=True)
    if verdict.undecided:
        return _item(step, shown, 0.0, "invalid", None, f"cannot grade the answer: {verdict.how}")
    if verdict.full:
        return _item(step, shown, 1.0, "correct", None, _correct_feedback(step, verdict))
    recomputed = _recomputed(step, earlier.differing) if step.asked.grading.carry_forward else None
    # A class repeats the same wrong answers on the same earlier slips: each is judged once.
    key = (frozen(shown), frozen(recomputed[0] if recomputed else {}))
    best = step.credits.get(key) if key[0] is not None and key[1] is not None else None
    if best is None:
        best = _best_credit(step, given, verdict, recomputed)
        if key[0] is not None and key[1] is not None:
            step.remember(key, best)
    return _item(step, shown, best.fraction, best.status, best.mistake, best.feedback)


def _best_credit(
    step: PreparedStep, given: Any, verdict: Verdict, recomputed: tuple[dict[str, Any], Any] | None
) -> Credit:
    """The most credit a wrong answer earns: partial, carried forward, or a name (``grader.mistakes``)."""
    options = [_reference_credit(step, given, verdict), *_carried_forward(step, given, recomputed)]
    named = explain(step, given, recomputed[0] if recomputed else None)
    if named:
        options.append(Credit(named[0].fraction, named[0].status, named[0].name, named[0].feedback))
    best = max(options, key=lambda c: (c.fraction, _PRIORITY.get(c.status, 0)))
    if named and best.status in ("partial", "wrong"):
        # A recognised mistake explains the answer better than a count of entries; the score stays the best.
        mistake = named[0]
        extra = ENTRIES_STILL_EARN if best.fraction > mistake.fraction else ""
        best = Credit(max(best.fraction, mistake.fraction), "mistake", mistake.name, mistake.feedback + extra)
    return best


def _correct_feedback(step: PreparedStep, verdict: Verdict) -> str:
    if verdict.used_slack:
        digits = step.asked.grading.round_intermediates
        return (
            f"accepted: within what rounding the intermediate values to {digits} significant figures explains "
            f"(exact {step.expected_text})"
        )
    return verdict.how if verdict.how and verdict.how != "equal by simplification" else ""


def _reference_credit(step: PreparedStep, given: Any, verdict: Verdict) -> Credit:
    if verdict.shape_problem:
        return Credit(0.0, "wrong", None, f"wrong shape: {verdict.shape_problem}")
    if carries_no_information(given, step.expected):
        return Credit(0.0, "wrong", None, f"expected {step.expected_text}; {NO_INFORMATION}")
    if 0 < verdict.fraction < 1:
        return Credit(verdict.fraction, "partial", None, _wrong_entries(step, given, verdict, step.expected))
    return Credit(0.0, "wrong", None, f"expected {step.expected_text}")


def _wrong_entries(step: PreparedStep, given: Any, verdict: Verdict, expected: Any) -> str:
    import numpy as np

    origin = step.problem.solution[step.name].index_origin if step.whole else ()
    given = np.asarray(given, dtype=float).reshape(np.shape(expected))
    expected = np.asarray(expected, dtype=float)
    parts = []
    for index in verdict.wrong[:LISTED_ENTRIES]:
        value = "blank" if np.isnan(given[index]) else format_value(float(given[index]))
        entry = entry_name(step.reference, index, origin)
        parts.append(f"{entry} = {value} (expected {format_value(float(expected[index]))})")
    more = len(verdict.wrong) - LISTED_ENTRIES
    tail = f" and {more} more" if more > 0 else ""
    right = verdict.fraction * np.size(expected)
    return f"{round(right)} of {np.size(expected)} entries right; wrong: " + "; ".join(parts) + tail


#: Why an answer that ignores the data earns no partial or mistake credit.
NO_INFORMATION = "an answer that is zero, or the same everywhere, earns no partial or mistake credit"


def _recomputed(step: PreparedStep, differing: dict[str, Any]) -> tuple[dict[str, Any], Any] | None:
    """The student's differing earlier answers and the step's value recomputed from them."""
    solution = step.problem.solution
    upstream = set(solution.ancestors(step.name)) - {step.name}
    overrides = {name: value for name, value in differing.items() if name in upstream}
    if not overrides or any(carries_no_information(v, solution[name].value) for name, v in overrides.items()):
        return None  # a blank guess upstream carries nothing forward
    # The student's values may not fit the rule (a negative size): then there is nothing to carry.
    value = mistake_value(solution, None, step.pick, overrides, step.name)
    if value is None or carries_no_information(value, step.expected):
        return None
    return overrides, value


def _carried_forward(step: PreparedStep, given: Any, recomputed: tuple[dict[str, Any], Any] | None) -> list[Credit]:
    """Credit for an answer right for the student's own earlier answers (``_recomputed``)."""
    if recomputed is None:
        return []
    overrides, value = recomputed
    verdict = step.matches(given, value, rounded=True)
    keep = 1.0 - (step.asked.grading.carry_forward_penalty or 0.0)
    yours = ", ".join(f"{name} = {format_value(v)}" for name, v in overrides.items())
    if verdict.full:
        return [Credit(keep, "carried_forward", None, f"correct for your {yours}")]
    if 0 < verdict.fraction < 1 and not carries_no_information(given, value):
        detail = _wrong_entries(step, given, verdict, value)
        return [Credit(keep * verdict.fraction, "partial", None, f"for your {yours}: {detail}")]
    return []


def _item(step: PreparedStep, raw: Any, fraction: float, status: Status, mistake: str | None, feedback: str) -> Item:
    points = step.asked.points
    return Item(
        step.problem.id,
        step.reference,
        _raw_json(raw),
        step.expected_json,
        round(points * fraction, 4),
        points,
        status,
        mistake,
        feedback,
        step.expected_text,
    )


def _raw_json(raw: Any) -> Any:
    """What the student wrote, as JSON can carry it."""
    if raw is None or isinstance(raw, (str, bool, int)):
        return raw
    if isinstance(raw, float):
        return raw if raw == raw and abs(raw) != float("inf") else str(raw)
    if isinstance(raw, (list, tuple)):
        return [_raw_json(r) for r in raw]
    if isinstance(raw, dict):
        return {str(k): _raw_json(v) for k, v in raw.items()}
    return str(raw)
