"""A whitelisting parser for students' symbolic answers.

Students' text is never given to ``eval``, ``sympify`` or ``parse_expr``: a
small tokenizer and a recursive-descent parser build SymPy objects from an
allowlist of numbers, the step's declared symbols, ``+ - * / ^`` (or ``**``),
parentheses and a few named functions.  Anything else is a ``ParseError``
that says where, with a caret under the bad character::

    >>> parse_expression("2*w + b", ["w", "b"])
    b + 2*w
    >>> print(parse_expression("2*w + os.system(1)", ["w", "b"]))
    Traceback (most recent call last):
    ...
    grader.expressions.ParseError: unexpected character '.': attribute access is not allowed
      2*w + os.system(1)
              ^

Limits on length, nesting depth and the size of numeric exponents keep a
hostile answer (``9**9**9**9``, ten thousand parentheses) from costing more
than a moment.

Grammar (``^`` and ``**`` are right-associative and bind tighter than a sign)::

    sum     := product (('+' | '-') product)*
    product := unary (('*' | '/') unary)*
    unary   := ('+' | '-') unary | power
    power   := atom (('^' | '**') unary)?
    atom    := NUMBER | NAME | NAME '(' sum (',' sum)* ')' | '(' sum ')'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

MAX_LENGTH = 500
MAX_DEPTH = 40
#: Largest |exponent| allowed when the exponent is a number (x^100 is fine; 9^387420489 is not).
MAX_EXPONENT = 100
#: Largest power of ten in scientific notation (1e300 is fine, 1e999999 is refused).
MAX_E_NOTATION = 300


class ParseError(ValueError):
    """An answer that is not an allowed expression: the reason, the text and the offset."""

    def __init__(self, reason: str, text: str, offset: int):
        self.reason = reason
        self.text = text
        self.offset = offset
        super().__init__(f"{reason}\n  {text}\n  {' ' * offset}^")

    @property
    def one_line(self) -> str:
        """The reason and the place on one line (for tables and JSON)."""
        return f"{self.reason} (at character {self.offset + 1})"


def _sigmoid(x: Any) -> Any:
    import sympy

    return 1 / (1 + sympy.exp(-x))


def _functions() -> dict[str, tuple[Callable[..., Any], int | None]]:
    """Allowed function names -> (builder, number of arguments or None for two or more)."""
    import sympy

    return {
        "exp": (sympy.exp, 1),
        "log": (sympy.log, 1),
        "ln": (sympy.log, 1),
        "sqrt": (sympy.sqrt, 1),
        "tanh": (sympy.tanh, 1),
        "sigmoid": (_sigmoid, 1),
        "relu": (lambda x: sympy.Max(x, 0), 1),
        "max": (sympy.Max, None),
        "abs": (sympy.Abs, 1),
    }


FUNCTION_NAMES = ("exp", "log", "ln", "sqrt", "tanh", "sigmoid", "relu", "max", "abs")

_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/^(),])"
)
#: Unicode operators students paste from notes, read as their ASCII twins.
_TWINS = str.maketrans({"−": "-", "·": "*", "×": "*", "÷": "/"})


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
            hint = {
                "_": "names start with a letter",
                ".": "attribute access is not allowed",
                "[": "subscripts are not allowed",
                "=": "write only the expression (no '=' or keyword arguments)",
                "'": "strings are not allowed",
                '"': "strings are not allowed",
            }.get(char, "expected a number, a name, + - * / ^ or parentheses")
            raise ParseError(f"unexpected character {char!r}: {hint}", text, position)
        if match.lastgroup != "space":
            tokens.append(Token(match.lastgroup or "op", match.group(), position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str, symbols: dict[str, Any]):
        import sympy

        self.sympy = sympy
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0
        self.symbols = symbols
        self.functions = _functions()

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

    # -- grammar ---------------------------------------------------------------------------------
    def parse(self) -> Any:
        if self.token.kind == "end":
            raise self.error("empty expression; expected an expression such as 2*w + b")
        expr = self.sum()
        if self.token.kind != "end":
            previous = self.tokens[self.index - 1]
            if self.token.kind in ("number", "name") or self.token.text == "(":
                raise self.error(f"missing operator: write {previous.text}*{self.token.text} for a product")
            raise self.error(f"unexpected {self.token.text!r}")
        return expr

    def sum(self) -> Any:
        expr = self.product()
        while op := self.take("+", "-"):
            right = self.product()
            expr = expr + right if op.text == "+" else expr - right
        return expr

    def product(self) -> Any:
        expr = self.unary()
        while op := self.take("*", "/"):
            right = self.unary()
            expr = expr * right if op.text == "*" else expr / right
        return expr

    def unary(self) -> Any:
        start = self.token
        if op := self.take("+", "-"):
            self.nested(start)
            operand = self.unary()
            self.depth -= 1
            return -operand if op.text == "-" else operand
        return self.power()

    def power(self) -> Any:
        base = self.atom()
        start = self.token
        if self.take("^", "**"):
            self.nested(start)
            exponent = self.unary()
            self.depth -= 1
            if exponent.is_Number and abs(exponent) > MAX_EXPONENT:
                raise self.error(f"exponent {exponent} is too large; expected at most {MAX_EXPONENT}", start)
            if not exponent.is_Number and base.is_Number and abs(base) > 1:
                # 9^(9^x) cannot blow up here, but a huge symbolic tower can in simplification.
                self.check_size(exponent, start)
            return base**exponent
        return base

    def check_size(self, expr: Any, token: Token) -> None:
        if self.sympy.count_ops(expr) > 50:
            raise self.error("exponent expression is too large", token)

    def atom(self) -> Any:
        token = self.token
        if token.kind == "number":
            self.index += 1
            return self.number(token)
        if token.kind == "name":
            self.index += 1
            if self.token.text == "(":
                return self.call(token)
            if token.text in self.symbols:
                return self.symbols[token.text]
            raise self.unknown(token)
        if self.take("("):
            self.nested(token)
            expr = self.sum()
            self.expect(")", "to close the parenthesis")
            self.depth -= 1
            return expr
        if token.kind == "end":
            raise self.error("the expression ends too soon; expected a number, a name or '('")
        raise self.error(f"unexpected {token.text!r}; expected a number, a name or '('")

    def number(self, token: Token) -> Any:
        mantissa, _, power = token.text.lower().partition("e")
        if power and abs(int(power)) > MAX_E_NOTATION:
            raise self.error(f"number {token.text} is out of range; expected |exponent| ≤ {MAX_E_NOTATION}", token)
        if len(mantissa) > 40:
            raise self.error("number has too many digits; expected at most 40", token)
        # Exact rationals: 0.5 stays 1/2 so that simplification compares exactly.
        return self.sympy.Rational(mantissa) * self.sympy.Integer(10) ** int(power or 0)

    def call(self, name: Token) -> Any:
        # SymPy prints Max and Abs capitalised; a student may copy that.
        function = name.text if name.text in self.functions else name.text.lower()
        if function not in self.functions:
            raise self.unknown(name)
        builder, arity = self.functions[function]
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
        return builder(*args)

    def unknown(self, token: Token) -> ParseError:
        known = ", ".join(sorted(self.symbols)) or "(none)"
        kind = "function" if token.text in self.symbols else "name"
        return self.error(
            f"unknown {kind} {token.text!r}; expected one of the symbols {_or(known)} or a function "
            f"({', '.join(FUNCTION_NAMES)})",
            token,
        )


def _or(names: str) -> str:
    head, _, last = names.rpartition(", ")
    return f"{head} or {last}" if head else last


def parse_expression(text: str, symbols: Iterable[str]) -> Any:
    """A SymPy expression from ``text`` using only the allowed ``symbols``, or a ParseError."""
    import sympy

    if not isinstance(text, str):
        raise ParseError(f"expected an expression as text, got {type(text).__name__}", "", 0)
    if len(text) > MAX_LENGTH:
        raise ParseError(f"expression is {len(text)} characters long; expected at most {MAX_LENGTH}", "", 0)
    text = text.translate(_TWINS)
    table = {name: sympy.Symbol(name, real=True) for name in symbols}
    return _Parser(text, table).parse()
