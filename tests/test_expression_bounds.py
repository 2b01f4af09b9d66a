"""The magnitude an expression can reach and the work spent deciding equivalence are bounded.

Each test asserts that its guard fired and why; none measures a wall time
(a thread's join has a 30 s backstop only, so that a broken guard fails the
test instead of hanging it).
"""

from __future__ import annotations

import math
import threading

import pytest
from conftest import PROBLEMS

import solver.math.equivalence
from solver.math.equivalence import Equivalence, equivalent
from solver.math.expressions import MAX_MAGNITUDE, ParseError, parse_expression

SYMBOLS = ["w", "b", "x", "y"]


def refusal(text: str) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse_expression(text, SYMBOLS)
    return caught.value


def test_a_tower_of_powers_is_refused_where_it_first_grows_too_large():
    text = "(((9^99)^99)^99)^99"
    # Independently: 9^99 is within the bound, (9^99)^99 is not.
    assert 99 * math.log10(9) < 300 < 99 * 99 * math.log10(9)
    error = refusal(text)
    assert error.reason.startswith("'((9^99)^99)' is too large (over 10^300)")
    assert text[error.offset :].startswith("((9^99)^99)")


def test_a_tower_of_exponentials_is_refused_where_it_first_grows_too_large():
    # Independently: exp(100) is within the bound, exp(exp(100)) is not.
    assert math.exp(100) < MAX_MAGNITUDE < math.inf and math.exp(100) > math.log(MAX_MAGNITUDE)
    assert refusal("exp(exp(exp(exp(100))))").reason.startswith("'exp(exp(100))' is too large")


def test_the_bound_holds_at_the_symbols_sample_points():
    # exp(exp(10*x)) is within the bound only for x < 0.66; the points reach past that.
    assert math.exp(math.exp(10 * 0.65)) < MAX_MAGNITUDE and math.exp(10 * 0.66) > math.log(MAX_MAGNITUDE)
    assert refusal("exp(exp(10*x))").reason.startswith("'exp(exp(10*x))' is too large")
    assert str(parse_expression("exp(exp(x))", SYMBOLS)) == "exp(exp(x))"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # What sits above an undefined real value is still checked: log(-1) and sqrt(-1) are complex.
        ("log(-1)*(((9^99)^99)^99)^99", "too large"),
        ("sqrt(-1)*((9^99)^99)^99", "too large"),
        # SymPy takes (1/0)^0 to be 1, so an undefined value is refused rather than skipped.
        ("(9^99 + (1/0)^0)^99", "undefined"),
        ("x/(y - y)", "undefined"),
        # A tiny base to a negative power: exact arithmetic would build 10^3000000.
        ("((1e-300)^-100)^100", "too large"),
        ("((1e-300)^100)^100", "too small"),
        ("exp(-1000)", "too small"),
        ("1e300*1e300", "too large"),
    ],
)
def test_each_way_around_the_bound_is_closed(text, reason):
    assert reason in refusal(text).reason


@pytest.mark.parametrize("text", ["1e300", "1e-300", "x^100", "exp(100)*x", "relu(-x) + max(x, 0)", "sigmoid(-700*x)"])
def test_values_within_the_bound_are_read(text):
    parse_expression(text, SYMBOLS)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("(((9^99)^99)^99)^99", "'((9^99)^99)' is too large"),
        ("exp(exp(exp(exp(100))))", "'exp(exp(100))' is too large"),
    ],
)
def test_a_student_whose_answer_is_too_large_is_invalid_with_the_reason(tmp_path, answer, reason):
    from grader.answers import read_submission
    from grader.grading import grade_submission
    from grader.homework import load_homework
    from grader.prepare import prepare

    (tmp_path / "s.yaml").write_text(f"student: x\nanswers:\n  q10:\n    L: '{answer}'\n", encoding="utf-8")
    report = grade_submission(prepare(load_homework(PROBLEMS / "homework1.yaml")), read_submission(tmp_path / "s.yaml"))
    (item,) = [i for i in report.items if (i.problem, i.step) == ("q10", "L")]
    assert item.status == "invalid" and reason in item.feedback


# -- the work limit -------------------------------------------------------------------------------------

#: Equal, but SymPy's simplify takes seconds to show it (tanh and σ written out in exponentials).
SLOW_PAIR = ("tanh(x)^3*sigmoid(w)^2", "((exp(x) - exp(-x))/(exp(x) + exp(-x)))^3*(1/(1 + exp(-w)))^2")


def in_a_thread(given: str, expected: str) -> Equivalence:
    results: list[Equivalence] = []
    pair = (parse_expression(given, SYMBOLS), parse_expression(expected, SYMBOLS))
    worker = threading.Thread(target=lambda: results.append(equivalent(*pair)))
    worker.start()
    worker.join(timeout=30)  # a backstop: a limit that does not hold fails here instead of hanging
    assert not worker.is_alive(), "the work limit did not hold off the main thread"
    (result,) = results
    return result


def _endless_simplify(expression: object) -> object:
    """A simplification that never ends on its own (Python calls, which the work limit watches)."""

    def step() -> int:
        return 0

    while True:
        step()


def test_the_work_limit_holds_off_the_main_thread(monkeypatch):
    # The limit must stop simplify itself: a simplify that never ends, and ample time for the rest,
    # so that only the guard decides the result, however loaded the machine.
    monkeypatch.setattr(solver.math.equivalence, "WORK_SECONDS", 2.0)
    monkeypatch.setattr("sympy.simplify", _endless_simplify)
    result = in_a_thread(*SLOW_PAIR)
    assert result == Equivalence(True, "equal at 8 random points (simplification ran out of time)")


def test_simplification_runs_off_the_main_thread_when_there_is_time(monkeypatch):
    monkeypatch.setattr(solver.math.equivalence, "WORK_SECONDS", 10.0)  # time to spare, even on a loaded machine
    assert in_a_thread("y - x", "-(x - y)") == Equivalence(True, "equal by simplification")


def test_nothing_decided_within_the_limit_is_said_so(monkeypatch):
    monkeypatch.setattr(solver.math.equivalence, "WORK_SECONDS", 0.0)
    result = in_a_thread(*SLOW_PAIR)
    assert not result.decided and result.how == "could not be decided within the work limit of 0 s"


def test_an_answer_not_decided_within_the_limit_is_invalid(tmp_path, monkeypatch):
    from grader.answers import read_submission
    from grader.grading import grade_submission
    from grader.homework import load_homework
    from grader.judge import _equivalent
    from grader.prepare import prepare

    prepared = prepare(load_homework(PROBLEMS / "homework1.yaml"))
    monkeypatch.setattr(solver.math.equivalence, "WORK_SECONDS", 0.0)
    _equivalent.cache_clear()  # decisions of other tests, made with time to spare, must not be reused
    (tmp_path / "s.yaml").write_text("student: x\nanswers:\n  q10:\n    L: '(sigmoid(w*x + b) - y)^2/2'\n")
    report = grade_submission(prepared, read_submission(tmp_path / "s.yaml"))
    _equivalent.cache_clear()
    (item,) = [i for i in report.items if (i.problem, i.step) == ("q10", "L")]
    assert item.status == "invalid"
    assert item.feedback == "cannot grade the answer: could not be decided within the work limit of 0 s"
