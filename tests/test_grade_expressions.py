"""The whitelisting parser of symbolic answers, and deciding equivalence."""

from __future__ import annotations

import math

import pytest

from solver.math.equivalence import constant_ratio, equivalent
from solver.math.expressions import MAX_DEPTH, ParseError, parse_expression

SYMBOLS = ["w", "b", "x", "y", "y_hat"]


def value_at(expr, **point: float) -> float:
    return float(expr.subs({s: point[s.name] for s in expr.free_symbols}))


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        # Each reference is written with Python's math module, independently of the parser.
        ("2*w + b", lambda w, b, x, y: 2 * w + b),
        ("1/2*(sigmoid(w*x + b) - y)^2", lambda w, b, x, y: 0.5 * (1 / (1 + math.exp(-(w * x + b))) - y) ** 2),
        ("-x^2", lambda w, b, x, y: -(x**2)),
        ("2^3^2", lambda w, b, x, y: 2 ** (3**2)),
        ("tanh(w) + ln(x) - log(x) + sqrt(b)", lambda w, b, x, y: math.tanh(w) + math.sqrt(b)),
        ("relu(-x) + max(x, y, 1) + abs(-w)", lambda w, b, x, y: max(-x, 0) + max(x, y, 1) + abs(w)),
        ("8.992*10^-7 * x", lambda w, b, x, y: 8.992e-7 * x),
        ("1.5e-3 − w·x", lambda w, b, x, y: 1.5e-3 - w * x),
        ("exp(w) / (1 + x)", lambda w, b, x, y: math.exp(w) / (1 + x)),
    ],
)
def test_parses_allowed_expressions(text, reference):
    expr = parse_expression(text, SYMBOLS)
    point = {"w": 0.7, "b": 1.3, "x": 1.9, "y": -0.4}
    assert value_at(expr, **point) == pytest.approx(reference(**point), rel=1e-12)


HOSTILE = [
    ("__import__('os').system('echo hacked')", "names start with a letter"),
    ("().__class__", "attribute access is not allowed"),
    ("x.__class__", "attribute access is not allowed"),
    ("lambda x: x", "unexpected character ':'"),
    ("9**9**9**9", "too large"),
    ("2^1000", "too large"),
    ("(" * 10_000 + "x" + ")" * 10_000, "characters long"),
    ("(" * (MAX_DEPTH + 5) + "x" + ")" * (MAX_DEPTH + 5), "nested more than"),
    ("-" * 60 + "x", "nested more than"),
    ("x[0]", "subscripts are not allowed"),
    ("max(x, key=y)", "keyword arguments"),
    ("eval('1')", "strings are not allowed"),
    ("open(x)", "unknown name 'open'"),
    ("z + 1", "unknown name 'z'"),
    ("nan", "unknown name 'nan'"),
    ("inf", "unknown name 'inf'"),
    ("1e999999", "out of range"),
    ("", "empty expression"),
    ("2x", "missing operator"),
    ("x +", "ends too soon"),
    ("(x", "expected ')'"),
    ("exp(x, y)", "takes 1 argument"),
    ("x\x00", "unexpected character"),
]


@pytest.mark.parametrize(("text", "reason"), HOSTILE, ids=[t[:20] for t, _ in HOSTILE])
def test_hostile_expressions_are_refused_with_a_reason(text, reason):
    with pytest.raises(ParseError) as caught:
        parse_expression(text, SYMBOLS)
    assert reason in caught.value.reason


def test_the_error_is_one_line_that_points_at_the_bad_character():
    text = "2*w + os.system(1)"
    with pytest.raises(ParseError) as caught:
        parse_expression(text, SYMBOLS)
    assert text[caught.value.offset] == "."
    assert str(caught.value) == f"{caught.value.reason} (at character {text.index('.') + 1})"
    assert "\n" not in str(caught.value)


def test_numbers_are_exact_rationals():
    assert str(parse_expression("0.5*x", ["x"])) == "x/2"


@pytest.mark.parametrize(
    ("given", "expected", "same"),
    [
        ("(1/(1+exp(-(b + w*x))) - y)^2/2", "1/2*(sigmoid(w*x + b) - y)^2", True),
        ("y_hat - y", "-(y - y_hat)", True),
        ("relu(x)", "x", False),  # equal for x > 0 only: the mixed-sign points tell them apart
        ("(y_hat - y)^2", "1/2*(y_hat - y)^2", False),
        ("tanh(x)", "(exp(x) - exp(-x))/(exp(x) + exp(-x))", True),
    ],
)
def test_equivalence(given, expected, same):
    result = equivalent(parse_expression(given, SYMBOLS), parse_expression(expected, SYMBOLS))
    assert result.equivalent is same, result.how


def test_constant_factor_is_measured():
    half = parse_expression("1/2*(y_hat - y)^2", SYMBOLS)
    assert constant_ratio(parse_expression("(y_hat - y)^2", SYMBOLS), half) == pytest.approx(2)
    assert constant_ratio(parse_expression("y - y_hat", SYMBOLS), parse_expression("y_hat - y", SYMBOLS)) == -1
    assert constant_ratio(half, half) is None
