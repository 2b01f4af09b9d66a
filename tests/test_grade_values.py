"""Reading students' values, and the comparison rules."""

from __future__ import annotations

import numpy as np
import pytest

from grader.judge import judge
from grader.parse import AnswerError, parse_answer, parse_array, parse_number, parse_shape
from grader.rules import Tolerance, compare_entries, is_close_decimals, is_close_ra, is_close_sigfigs
from solver.graph.values import Shape


@pytest.mark.parametrize(
    ("raw", "value"),
    [(4, 4), (-0.25, -0.25), ("3/4", 0.75), ("-3/4", -0.75), ("1.2e-3", 0.0012), ("8.992*10^-7", 8.992e-7),
     ("8.992 × 10^(-7)", 8.992e-7), (" 17 ", 17), ("−2", -2), (".5", 0.5)],
)  # fmt: skip
def test_numbers(raw, value):
    assert parse_number(raw) == pytest.approx(value)


@pytest.mark.parametrize(
    "raw", [float("nan"), float("inf"), "nan", "inf", "1/0", "about 5", True, None, [1], {"a": 1}, "1e999", "x" * 100]
)
def test_bad_numbers_are_refused(raw):
    with pytest.raises(AnswerError):
        parse_number(raw)


@pytest.mark.parametrize(
    ("raw", "dims"),
    [("10x10", (10, 10)), ("10 × 10", (10, 10)), ([10, 10], (10, 10)), ("7x7x40", (7, 7, 40)), (1960, (1960,)),
     ("(5, 4)", (5, 4)), ("5X4", (5, 4)), ("5*4", (5, 4)), ("7.5 x 10.5", (7.5, 10.5)), ("15/2x4", (7.5, 4)),
     (8.5, (8.5,))],
)  # fmt: skip
def test_shapes(raw, dims):
    assert parse_shape(raw) == Shape(dims)


@pytest.mark.parametrize("raw", ["5 by 4", "5.5.5x4", [5, "a"], "", True, "1x2x3x4x5", [-1, 2], "-2x3", [float("inf")]])
def test_bad_shapes_are_refused(raw):
    with pytest.raises(AnswerError):
        parse_shape(raw)


def test_matrices_from_lists_text_and_json():
    assert parse_array([[1, "1/2"], [0, 1]]).tolist() == [[1, 0.5], [0, 1]]
    assert parse_array("1 0; 0 1").tolist() == [[1, 0], [0, 1]]
    assert parse_array("[[1, 2], [3, 4]]").tolist() == [[1, 2], [3, 4]]
    assert parse_array([1, 2, 3]).tolist() == [1, 2, 3]
    for bad in ([[1, 2], [3]], [], "1 2; 3", [[1, float("nan")]], {"a": 1}, [[1, "x"]]):
        with pytest.raises(AnswerError):
            parse_array(bad)


def test_whole_numbers_may_be_grouped_in_thousands_as_parameter_counts_are_printed():
    assert parse_answer("16,010", "integer") == 16010
    assert parse_answer(" 61,100,840 ", "integer") == 61100840
    for ambiguous in ("16,01", "1,0000", ",010", "16,010.5"):
        with pytest.raises(AnswerError):
            parse_answer(ambiguous, "integer")
    with pytest.raises(AnswerError):  # where a decimal may be meant, a comma is not read as thousands
        parse_answer("1,234", "number")


def test_expression_answers_need_the_declared_symbols():
    with pytest.raises(AnswerError, match="unknown name 'q'"):
        parse_answer("q + 1", "expression", ("w",))
    assert str(parse_answer("w + 1", "expression", ("w",))) == "w + 1"


def test_sigfigs_accept_half_a_unit_of_the_last_asked_digit():
    # PrairieLearn's rule: 3 significant figures of 3.14159 accept 3.14 ± 0.0051.
    assert is_close_sigfigs(3.14, 3.14159, 3)
    assert is_close_sigfigs(3.145, 3.14159, 3)
    assert not is_close_sigfigs(3.147, 3.14159, 3)
    assert is_close_sigfigs(0.0005823, 0.00058231, 4)
    assert not is_close_sigfigs(0.0005830, 0.00058231, 4)


def test_decimals_and_relative_tolerance():
    assert is_close_decimals(2.5, 2.46, 1) and not is_close_decimals(2.4, 2.46, 1)
    assert is_close_ra(100.09, 100, rtol=1e-3, atol=0) and not is_close_ra(100.2, 100, rtol=1e-3, atol=0)
    assert is_close_ra(1e-10, 0, rtol=1e-3, atol=1e-9)


def test_integers_and_shapes_are_exact():
    strict = Tolerance()
    assert judge(5, 5, "integer", strict).full and judge(5.0, 5, "integer", strict).full
    assert not judge(5.001, 5, "integer", strict).full
    assert judge(Shape((5, 4)), Shape((5, 4)), "shape", strict).full
    assert not judge(Shape((4, 5)), Shape((5, 4)), "shape", strict).full
    # A trailing channel of 1 is the same map; any other extra axis is not.
    assert judge(Shape((3, 3, 1)), Shape((3, 3)), "shape", strict).full
    assert judge(Shape((3, 3)), Shape((3, 3, 1)), "shape", strict).full
    assert not judge(Shape((3, 3, 2)), Shape((3, 3)), "shape", strict).full
    assert not judge(Shape((3, 1)), Shape((3,)), "shape", strict).full


def test_matrices_entry_by_entry():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    verdict = compare_entries(np.array([[1.0, 2.0], [3.0, 5.0]]), expected, Tolerance())
    assert (verdict.right, verdict.total, verdict.wrong) == (3, 4, ((1, 1),))
    wrong_shape = compare_entries(np.array([[1.0, 2.0, 3.0]]), expected, Tolerance())
    assert wrong_shape.shape_problem == "shape 1×3, expected 2×2"
    # a row where a column was expected is the same vector
    assert compare_entries(np.array([1.0, 2.0]), np.array([[1.0], [2.0]]), Tolerance()).fraction == 1


@pytest.mark.parametrize(
    ("yaml_value", "shown", "python_spelling"),
    [
        ("true", "got true", "True"),
        ("!!binary aGVsbG8=", "got binary data", "b'hello'"),
        ("!!set {a, b}", "got a set", "{'"),
        ("2001-12-14", "got the date 2001-12-14", "datetime"),
    ],
)
def test_unreadable_values_are_shown_as_the_student_wrote_them(yaml_value, shown, python_spelling):
    from solver.files.yaml_io import parse_yaml

    raw, _ = parse_yaml(f"answer: {yaml_value}\n", "s.yaml", lenient_numbers=True)
    for read in (parse_number, parse_shape):
        with pytest.raises(AnswerError) as refused:
            read(raw["answer"])
        assert shown in str(refused.value) and python_spelling not in str(refused.value)
