"""A whitelisting parser for expressions written in files: students' answers, hints, stated answers.

No text from a file is ever given to ``eval``, ``sympify`` or ``parse_expr``:
a small tokenizer and a recursive-descent parser build a tree from an
allowlist of numbers, the step's declared symbols, ``+ - * / ^`` (or ``**``),
parentheses and the functions of ``FUNCTIONS``.  Anything else is a
``ParseError`` that says what and where, on one line::

    >>> parse_expression("2*w + b", ["w", "b"])
    b + 2*w
    >>> parse_expression("2*w + os.system(1)", ["w", "b"])
    Traceback (most recent call last):
    ...
    solver.math.expressions.ParseError: unexpected character '.': attribute access is not allowed (at character 9)

The tree is then evaluated in complex floating point at the sample points
(``sample_points``) before SymPy builds anything: every value it reaches must
stay within ``MAX_MAGNITUDE`` (``(((9^99)^99)^99)^99`` and ``exp(exp(exp(exp(100))))``
are refused here, in microseconds, instead of costing SymPy minutes of exact
arithmetic).  Limits on length, nesting depth and the size of numeric exponents
keep the parse itself cheap.

Grammar (``^`` and ``**`` are right-associative and bind tighter than a sign)::

    sum     := product (('+' | '-') product)*
    product := unary (('*' | '/') unary)*
    unary   := ('+' | '-') unary | power
    power   := atom (('^' | '**') unary)?
    atom    := NUMBER | NAME | NAME '(' sum (',' sum)* ')' | '(' sum ')'
"""

from __future__ import annotations

import cmath
import math
import random
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache
from typing import Any

MAX_LENGTH = 500
MAX_DEPTH = 40
#: Largest |exponent| allowed when the exponent is a number (x^100 is fine; 9^387420489 is not).
MAX_EXPONENT = 100
#: Largest power of ten in scientific notation (1e300 is fine, 1e999999 is refused).
MAX_E_NOTATION = 300
#: Every value an expression reaches at a sample point lies within 1/MAX_MAGNITUDE..MAX_MAGNITUDE in size (or is 0).
MAX_MAGNITUDE = 1e300
#: Random points at which expressions are checked and compared, and the seeds that draw them.
POINTS = 8
SEEDS = (0, 1)


class ParseError(ValueError):
    """An expression that is not allowed: the reason, the text and the offset, said on one line."""

    def __init__(self, reason: str, text: str, offset: int):
        self.reason = reason
        self.text = text
        self.offset = offset
        super().__init__(f"{reason} (at character {offset + 1})")

    @property
    def one_line(self) -> str:
        """The reason and the place on one line (for tables, JSON and error lines)."""
        return str(self)


# -- the function vocabulary: one table for parsing, checking and building --------------------------


@dataclass(frozen=True)
class Function:
    """An allowed function: its number of arguments (None: two or more), complex and SymPy forms."""

    arity: int | None
    numeric: Callable[..., complex]
    symbolic: Callable[..., Any]  # called with the sympy module first


def _sigmoid(z: complex) -> complex:
    # Written so that a large |z| of either sign does not overflow exp.
    return 1 / (1 + cmath.exp(-z)) if z.real >= 0 else cmath.exp(z) / (1 + cmath.exp(z))


FUNCTIONS: dict[str, Function] = {
    "exp": Function(1, cmath.exp, lambda sp, x: sp.exp(x)),
    "log": Function(1, cmath.log, lambda sp, x: sp.log(x)),
    "ln": Function(1, cmath.log, lambda sp, x: sp.log(x)),
    "sqrt": Function(1, cmath.sqrt, lambda sp, x: sp.sqrt(x)),
    "tanh": Function(1, cmath.tanh, lambda sp, x: sp.tanh(x)),
    "sigmoid": Function(1, _sigmoid, lambda sp, x: 1 / (1 + sp.exp(-x))),
    "relu": Function(1, lambda z: z if z.real > 0 else 0j, lambda sp, x: sp.Max(x, 0)),
    "max": Function(None, lambda *zs: max(zs, key=lambda z: z.real), lambda sp, *xs: sp.Max(*xs)),
    "abs": Function(1, lambda z: complex(abs(z)), lambda sp, x: sp.Abs(x)),
}

# -- tokens --------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/^(),])"
)
#: Unicode operators students paste from notes, read as their ASCII twins.
_TWINS = str.maketrans({"−": "-", "·": "*", "×": "*", "÷": "/"})
_CHARACTER_HINTS = {
    "_": "names start with a letter",
    ".": "attribute access is not allowed",
    "[": "subscripts are not allowed",
    "=": "write only the expression (no '=' or keyword arguments)",
    "'": "strings are not allowed",
    '"': "strings are not allowed",
}


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "op" or "end"
    text: str
    offset: int


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``; a ParseError at the first character no token starts with."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            char = text[position]
            hint = _CHARACTER_HINTS.get(char, "expected a number, a name, + - * / ^ or parentheses")
            raise ParseError(f"unexpected character {char!r}: {hint}", text, position)
        if match.lastgroup != "space":
            tokens.append(Token(match.lastgroup or "op", match.group(), position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# -- the tree --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """One operation of a parsed expression and the span of text it came from.

    ``op`` is "number" (``value`` a Fraction), "name" (``value`` the symbol),
    "call" (``value`` the function name), "neg", "+", "-", "*", "/" or "^".
    """

    op: str
    args: tuple[Node, ...]
    start: int
    end: int
    value: Fraction | str | None = None


class _Parser:
    def __init__(self, text: str, symbols: frozenset[str]):
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0
        self.symbols = symbols

    # -- helpers ---------------------------------------------------------------------------------
    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def error(self, reason: str, token: Token | None = None) -> ParseError:
        return ParseError(reason, self.text, (token or self.token).offset)

    def take(self, *texts: str) -> Token | None:
        if self.token.kind == "op" and self.token.text in texts:
            self.index += 1
            return self.tokens[self.index - 1]
        return None

    def expect(self, text: str, why: str) -> None:
        if not self.take(text):
            found = repr(self.token.text) if self.token.kind != "end" else "the end"
            raise self.error(f"expected {text!r} {why}, found {found}")

    def nested(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} levels deep; expected a simpler expression", token)

    def end_of_previous(self) -> int:
        previous = self.tokens[self.index - 1]
        return previous.offset + len(previous.text)

    def node(self, op: str, args: tuple[Node, ...], start: int, value: Fraction | str | None = None) -> Node:
        return Node(op, args, start, self.end_of_previous(), value)

    # -- grammar ---------------------------------------------------------------------------------
    def parse(self) -> Node:
        if self.token.kind == "end":
            raise self.error("empty expression; expected an expression such as 2*w + b")
        tree = self.sum()
        if self.token.kind != "end":
            previous = self.tokens[self.index - 1]
            if self.token.kind in ("number", "name") or self.token.text == "(":
                raise self.error(f"missing operator: write {previous.text}*{self.token.text} for a product")
            raise self.error(f"unexpected {self.token.text!r}")
        return tree

    def sum(self) -> Node:
        tree = self.product()
        while op := self.take("+", "-"):
            tree = self.node(op.text, (tree, self.product()), tree.start)
        return tree

    def product(self) -> Node:
        tree = self.unary()
        while op := self.take("*", "/"):
            tree = self.node(op.text, (tree, self.unary()), tree.start)
        return tree

    def unary(self) -> Node:
        start = self.token
        if op := self.take("+", "-"):
            self.nested(start)
            operand = self.unary()
            self.depth -= 1
            return self.node("neg", (operand,), start.offset) if op.text == "-" else operand
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        start = self.token
        if not self.take("^", "**"):
            return base
        self.nested(start)
        exponent = self.unary()
        self.depth -= 1
        number = _signed_number(exponent)
        if number is not None and abs(number) > MAX_EXPONENT:
            raise self.error(f"exponent {number} is too large; expected at most {MAX_EXPONENT}", start)
        return self.node("^", (base, exponent), base.start)

    def atom(self) -> Node:
        token = self.token
        if token.kind == "number":
            self.index += 1
            return self.node("number", (), token.offset, self.number(token))
        if token.kind == "name":
            self.index += 1
            if self.token.text == "(":
                return self.call(token)
            if token.text in self.symbols:
                return self.node("name", (), token.offset, token.text)
            raise self.unknown(token)
        if self.take("("):
            self.nested(token)
            tree = self.sum()
            self.expect(")", "to close the parenthesis")
            self.depth -= 1
            return replace(tree, start=token.offset, end=self.end_of_previous())
        if token.kind == "end":
            raise self.error("the expression ends too soon; expected a number, a name or '('")
        raise self.error(f"unexpected {token.text!r}; expected a number, a name or '('")

    def number(self, token: Token) -> Fraction:
        mantissa, _, power = token.text.lower().partition("e")
        if power and abs(int(power)) > MAX_E_NOTATION:
            raise self.error(f"number {token.text} is out of range; expected |exponent| ≤ {MAX_E_NOTATION}", token)
        if len(mantissa) > 40:
            raise self.error("number has too many digits; expected at most 40", token)
        # Exact: 0.5 stays 1/2 so that simplification compares exactly.
        return Fraction(mantissa) * Fraction(10) ** int(power or 0)

    def call(self, name: Token) -> Node:
        # SymPy prints Max, Abs and ReLU capitalised; a student may copy that.
        function = name.text.lower()
        if function not in FUNCTIONS:
            raise self.unknown(name)
        arity = FUNCTIONS[function].arity
        self.expect("(", "after a function name")
        self.nested(name)
        args = [self.sum()]
        while self.take(","):
            args.append(self.sum())
        self.expect(")", f"to close {name.text}(")
        self.depth -= 1
        if arity is not None and len(args) != arity:
            raise self.error(f"{name.text} takes {arity} argument, got {len(args)}", name)
        if arity is None and len(args) < 2:
            raise self.error(f"{name.text} takes two or more arguments, got {len(args)}", name)
        return self.node("call", tuple(args), name.offset, function)

    def unknown(self, token: Token) -> ParseError:
        known = ", ".join(sorted(self.symbols)) or "(none)"
        kind = "function" if token.text in self.symbols else "name"
        return self.error(
            f"unknown {kind} {token.text!r}; expected one of the symbols {_or(known)} or a function "
            f"({', '.join(FUNCTIONS)})",
            token,
        )


def _signed_number(node: Node) -> Fraction | None:
    """The value of a number literal, possibly negated (the exponent of ``10^-7``), else None."""
    if node.op == "neg":
        inner = _signed_number(node.args[0])
        return None if inner is None else -inner
    return node.value if node.op == "number" and isinstance(node.value, Fraction) else None


def _or(names: str) -> str:
    head, _, last = names.rpartition(", ")
    return f"{head} or {last}" if head else last


# -- bounding the magnitude ----------------------------------------------------------------------------


def sample_points(names: Iterable[str], seed: int) -> Iterator[dict[str, float]]:
    """``POINTS`` random points; half of them positive (where logs and roots are defined), half of mixed sign."""
    names = sorted(names)
    rng = random.Random(seed)
    for i in range(POINTS):
        positive = i % 2 == 0
        yield {n: rng.uniform(0.2, 2.0) if positive else rng.uniform(-2.0, 2.0) for n in names}


#: Operations whose result is 0 only by underflow when no operand is 0 (relu and max may give 0).
_UNDERFLOWS = {"*", "/", "^", "exp"}


def _evaluate(node: Node, point: dict[str, float], text: str) -> complex:
    """The node's value at ``point``, every value on the way checked for size.

    Complex arithmetic keeps ``log(-1)`` and ``sqrt(-1)`` finite so that what
    sits above them is still checked; a value that is undefined (``1/0``,
    ``log(0)``) is refused, since what sits above it could not be checked.
    """
    operands = [_evaluate(arg, point, text) for arg in node.args]
    try:
        value = _apply(node, operands, point)
    except (ZeroDivisionError, ValueError):
        reason = f"{_span(node, text)!r} is undefined (a division by zero or log(0)); expected a defined value"
        raise ParseError(reason, text, node.start) from None
    except OverflowError:
        value = complex(math.inf)
    _check_size(node, value, operands, text)
    return value


def _span(node: Node, text: str) -> str:
    shown = text[node.start : node.end]
    return shown if len(shown) <= 30 else shown[:27] + "..."


def _apply(node: Node, operands: list[Any], point: dict[str, float]) -> complex:
    match node.op:
        case "number":
            return complex(node.value)  # type: ignore[arg-type]
        case "name":
            return complex(point[node.value])  # type: ignore[index]
        case "call":
            return complex(FUNCTIONS[node.value].numeric(*operands))  # type: ignore[index]
        case "neg":
            return -operands[0]
        case "+":
            return operands[0] + operands[1]
        case "-":
            return operands[0] - operands[1]
        case "*":
            return operands[0] * operands[1]
        case "/":
            return operands[0] / operands[1]
    base, exponent = operands
    try:
        return complex(base**exponent)
    except ZeroDivisionError:
        if base == 0:
            raise  # 0^-1: undefined
        raise OverflowError from None  # a tiny base to a negative power is 1/0 only by underflow


def _check_size(node: Node, value: complex, operands: list[complex], text: str) -> None:
    size = abs(value)
    shown = _span(node, text)
    if not math.isfinite(size) or size > MAX_MAGNITUDE:
        raise ParseError(f"{shown!r} is too large (over 10^300); expected values of at most 10^300", text, node.start)
    operation = node.value if node.op == "call" else node.op
    underflow = size == 0 and operation in _UNDERFLOWS and all(operands)
    if underflow or 0 < size < 1 / MAX_MAGNITUDE:
        reason = f"{shown!r} is too small (under 10^-300, not 0); expected values of at least 10^-300, or 0"
        raise ParseError(reason, text, node.start)


def evaluate_at(tree: Node, point: dict[str, float], text: str) -> complex:
    """The value of ``tree`` at ``point`` (a value for each name); a ParseError when undefined or out of bounds."""
    return _evaluate(tree, point, text)


def names_in(tree: Node) -> frozenset[str]:
    """The symbols ``tree`` uses."""
    own = frozenset([tree.value]) if tree.op == "name" else frozenset()
    return own.union(*(names_in(arg) for arg in tree.args))


def check_magnitude(tree: Node, names: Iterable[str], text: str) -> None:
    """A ParseError when a value of ``tree`` at a sample point leaves the bounds of ``MAX_MAGNITUDE``."""
    names = sorted(names)
    for seed in SEEDS:
        for point in sample_points(names, seed):
            _evaluate(tree, point, text)


# -- building SymPy ------------------------------------------------------------------------------------


def _to_sympy(node: Node, symbols: dict[str, Any], sympy: Any) -> Any:
    args = [_to_sympy(arg, symbols, sympy) for arg in node.args]
    match node.op:
        case "number":
            value: Fraction = node.value  # type: ignore[assignment]
            return sympy.Rational(value.numerator, value.denominator)
        case "name":
            return symbols[node.value]  # type: ignore[index]
        case "call":
            return FUNCTIONS[node.value].symbolic(sympy, *args)  # type: ignore[index]
        case "neg":
            return -args[0]
        case "+":
            return args[0] + args[1]
        case "-":
            return args[0] - args[1]
        case "*":
            return args[0] * args[1]
        case "/":
            return args[0] / args[1]
    return args[0] ** args[1]


def parse_tree(text: str, symbols: Iterable[str]) -> Node:
    """The checked tree of ``text`` using only the allowed ``symbols``, or a ParseError."""
    if not isinstance(text, str):
        raise ParseError(f"expected an expression as text, got {type(text).__name__}", "", 0)
    if len(text) > MAX_LENGTH:
        raise ParseError(f"expression is {len(text)} characters long; expected at most {MAX_LENGTH}", "", 0)
    text = text.translate(_TWINS)
    names = frozenset(symbols)
    tree = _Parser(text, names).parse()
    check_magnitude(tree, names, text)
    return tree


def parse_expression(text: str, symbols: Iterable[str]) -> Any:
    """A SymPy expression from ``text`` using only the allowed ``symbols``, or a ParseError."""
    if not isinstance(text, str):
        raise ParseError(f"expected an expression as text, got {type(text).__name__}", "", 0)
    return _parsed(text, tuple(symbols))


#: A class answers the same few expressions many times: each distinct one is parsed and checked once.
@lru_cache(maxsize=4096)
def _parsed(text: str, names: tuple[str, ...]) -> Any:
    import sympy

    tree = parse_tree(text, names)
    table = {name: sympy.Symbol(name, real=True) for name in names}
    return _to_sympy(tree, table, sympy)
