"""A step's LaTeX as Typst math markup, for the PDF sheet to typeset (``eval(markup, mode: "math")``).

The LaTeX is the HTML sheet's, read through latex2mathml's MathML tree, so both
sheets show the same math.  Names and notation come from problem files and Typst
markup can run code, so the markup is written from a closed vocabulary only:

- every leaf is a quoted Typst string (text, set upright), a plain number, a single
  Latin or Greek letter (a variable, set italic), or a symbol named in ``SYMBOLS``;
- structure uses a fixed set of Typst math functions: ``frac``, ``attach``,
  ``limits``, ``hat`` and the other accents of ``ACCENTS``, ``mat``, ``lr``, ``op``;
- any element or character not foreseen is shown as its text, quoted.

Typst typesets a space written next to text in math, and runs letters together
into a variable's name: pieces are written next to each other without a space
unless both sides are letters or digits (``alpha x``, ``2 dot.op 3``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from solver.render.mathml import mathml_tree

if TYPE_CHECKING:
    from collections.abc import Iterable
    from xml.etree.ElementTree import Element

#: The operators, delimiters and signs latex2mathml writes, by the name of Typst's symbol for each.
SYMBOLS = {
    "+": "plus", "-": "minus", "\u2212": "minus", "=": "eq", "<": "lt", ">": "gt", "\u2264": "lt.eq",
    "\u2265": "gt.eq", "\u2260": "eq.not", "\u2248": "approx", "\u00b1": "plus.minus",
    "\u22c5": "dot.op", "\u00b7": "dot.c", "\u00d7": "times", "\u2299": "dot.o", "\u22c6": "star.op",
    "*": "ast.op", "/": "slash", "\u2202": "partial", "\u2207": "nabla", "\u2192": "arrow.r",
    "\u2211": "sum", "\u220f": "product", "\u221e": "infinity", "\u2208": "in", "\u22a4": "top",
    "\u2032": "prime", "!": "excl", "(": "paren.l", ")": "paren.r", "[": "bracket.l", "]": "bracket.r",
    "{": "brace.l", "}": "brace.r", "|": "bar.v", "\u2016": "bar.v.double", "\u230a": "floor.l",
    "\u230b": "floor.r", "\u2308": "ceil.l", "\u2309": "ceil.r", ",": "comma", ";": "semi", ":": "colon",
    "\u2026": "dots.h", "\u22ef": "dots.c", "\u22ee": "dots.v", "\u22f1": "dots.down",
}  # fmt: skip

#: The accents of ``\hat{x}`` and its kin (``mover accent="true"``), by Typst's function for each.
ACCENTS = {"^": "hat", "~": "tilde", "\u02dc": "tilde", "\u00af": "overline", "\u2192": "arrow", "\u02d9": "dot"}

#: The widths of latex2mathml's spaces (``\,``, ``\:``, ``\;``, ``\quad``, ``\qquad``), by Typst's name for each.
SPACES = {"0.167em": "thin", "0.222em": "med", "0.278em": "thick", "1em": "quad", "2em": "wide"}

_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
#: One Latin or Greek letter (with the variants latex2mathml writes for \vartheta, \phi, \varpi, \varkappa,
#: \varrho, \epsilon): Typst sets it as a variable, and it cannot be read as anything else.
_LETTER = re.compile("[A-Za-z\u0391-\u03a9\u03b1-\u03c9\u03d1\u03d5\u03d6\u03f0\u03f1\u03f5]")
_CHARACTER_REFERENCE = re.compile(r"&#x([0-9A-Fa-f]+);")
#: Characters a Typst string literal cannot hold as they are.
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"'}


def typst_math(latex: str, fallback: str) -> str:
    """Typst math markup for ``latex``; ``fallback``, quoted, when latex2mathml cannot read it."""
    try:
        tree = mathml_tree(latex)
    except Exception:  # latex2mathml's errors share no base class; a file's odd text is shown as it is
        return quoted(fallback)
    return _row(tree) or quoted("")


def quoted(text: str) -> str:
    """``text`` as a Typst string literal, which math sets as text: nothing in it is read as markup."""
    return '"' + "".join(_STRING_ESCAPES.get(c, c) if c.isprintable() else f"\\u{{{ord(c):x}}}" for c in text) + '"'


def _markup(element: Element) -> str:
    tag = _tag(element)
    children = list(element)
    if tag in ("mi", "mn", "mo", "mtext"):
        return _leaf(tag, _text(element), element.get("mathvariant"))
    if tag == "mspace":
        return SPACES.get(element.get("width", ""), "")
    if tag == "mfrac" and len(children) == 2:
        return f"frac({_argument(children[0])}, {_argument(children[1])})"
    if tag in _SCRIPTS and len(children) > len(_SCRIPTS[tag]):
        return _attached(tag, children)
    if tag == "mtable":
        return _matrix(children)
    if tag in ("math", "mrow", "mtd", "mstyle", "mpadded", "menclose", "semantics"):
        return _row(element)
    return quoted(_CHARACTER_REFERENCE.sub(_character, "".join(element.itertext())))


def _text(element: Element) -> str:
    return _CHARACTER_REFERENCE.sub(_character, element.text or "")


def _character(reference: re.Match[str]) -> str:
    return chr(int(reference[1], 16))


def _leaf(tag: str, text: str, variant: str | None) -> str:
    """A number, a variable, an operator or words."""
    if tag == "mn" and _NUMBER.fullmatch(text):
        return text
    if tag == "mi" and variant is None and _LETTER.fullmatch(text):
        return text
    if tag in ("mo", "mi") and text in SYMBOLS:  # a prime comes as an mi
        return SYMBOLS[text]
    if tag in ("mo", "mi") and variant is None and len(text) > 1:  # \tanh, \max, \operatorname{ReLU}
        return f"op({quoted(text)})"
    return quoted(text)


def _row(element: Element) -> str:
    """An ``mrow``'s children side by side; brackets that grow (``\\left(``, a matrix's) with ``lr``."""
    children = list(_merged_upright(list(element)))
    if len(children) > 1 and children[0].get("stretchy") == "true" and children[-1].get("stretchy") == "true":
        return f"lr({_pieces(children)})"
    return _pieces(children)


def _pieces(children: list[Element]) -> str:
    """Elements side by side, each bracketed matrix as one piece whose brackets grow with it."""
    pieces = []
    start = 0
    while start < len(children):
        # A matrix comes as its brackets and its table side by side, in whatever row holds it.
        end = start + 3 if [_tag(c) for c in children[start : start + 3]] == ["mo", "mtable", "mo"] else start + 1
        group = _joined(_markup(child) for child in children[start:end])
        pieces.append(f"lr({group})" if end - start == 3 else group)
        start = end
    return _joined(pieces)


def _merged_upright(children: list[Element]) -> Iterable[Element]:
    """``\\mathrm{out}`` comes as one ``mi`` per letter: consecutive upright letters are one word."""
    word: Element | None = None
    for child in children:
        if _tag(child) == "mi" and child.get("mathvariant") == "normal":
            if word is None:
                word = child.makeelement(child.tag, dict(child.attrib))
            word.text = (word.text or "") + _text(child)
            continue
        if word is not None:
            yield word
            word = None
        yield child
    if word is not None:
        yield word


def _tag(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


#: The scripts of each kind of attachment, in the order of the element's children after the base.
_SCRIPTS = {
    "msub": ("b",),
    "msup": ("t",),
    "msubsup": ("b", "t"),
    "munder": ("b",),
    "mover": ("t",),
    "munderover": ("b", "t"),
}


def _attached(tag: str, children: list[Element]) -> str:
    """Sub- and superscripts (``attach``); an accent (``hat``); a limit under or over (``limits``).

    The scripts are the last children: latex2mathml gives a matrix's scripts to its brackets and
    table together (``<msup><mo>[</mo><mtable/><mo>]</mo><mo>⊤</mo></msup>``).
    """
    count = len(_SCRIPTS[tag])
    base, scripts = children[:-count], children[-count:]
    body = _pieces(base) or quoted("")
    if tag == "mover" and _tag(scripts[0]) == "mo" and _text(scripts[0]) in ACCENTS:
        return f"{ACCENTS[_text(scripts[0])]}({body})"
    if tag.startswith(("munder", "mover")):
        body = f"limits({body})"
    named = ", ".join(f"{place}: {_argument(script)}" for place, script in zip(_SCRIPTS[tag], scripts, strict=True))
    return f"attach({body}, {named})"


def _matrix(rows: list[Element]) -> str:
    """A table of cells, rows apart by ``;`` and cells by ``,``; its brackets come from the row around it."""
    written = "; ".join(", ".join(_argument(cell) for cell in row) for row in rows if _tag(row) == "mtr")
    return f"mat(delim: #none, {written})"


def _argument(element: Element) -> str:
    """Markup that can stand as a function's argument: never empty."""
    return _markup(element) or quoted("")


def _joined(pieces: Iterable[str]) -> str:
    """Pieces side by side: a space only where two names or numbers would otherwise run together."""
    joined = ""
    for piece in pieces:
        if not piece:
            continue
        if joined and joined[-1].isalnum() and piece[0].isalnum():
            joined += " "
        joined += piece
    return joined
