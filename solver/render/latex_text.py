"""Text set in LaTeX as text, whatever it holds: for prose and names that come from files.

Every LaTeX special character is escaped, so that nothing is read as a command.
Every character becomes one that ``pdflatex`` (T1 fonts, UTF-8 input) can set:
Latin letters as they are, Greek letters, sub- and superscript digits and the
symbols nnsolve writes as their LaTeX forms, and any other character as its
code point (``[U+1F600]``), so that no file can stop a sheet from compiling.
"""

from __future__ import annotations

import unicodedata

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
}

#: Symbols outside Latin-1 that nnsolve's own words use, as LaTeX sets them in text.
_SYMBOLS = {
    "−": r"\ensuremath{-}",
    "·": r"\ensuremath{\cdot}",
    "×": r"\ensuremath{\times}",
    "÷": r"\ensuremath{\div}",
    "±": r"\ensuremath{\pm}",
    "∓": r"\ensuremath{\mp}",
    "…": r"\ldots{}",
    "⋯": r"\ensuremath{\cdots}",
    "⋮": r"\ensuremath{\vdots}",
    "–": "--",
    "—": "---",
    "‘": "`",
    "’": "'",
    "“": "``",
    "”": "''",
    "•": r"\textbullet{}",
    "→": r"\ensuremath{\rightarrow}",
    "←": r"\ensuremath{\leftarrow}",
    "≤": r"\ensuremath{\leq}",
    "≥": r"\ensuremath{\geq}",
    "≠": r"\ensuremath{\neq}",
    "≈": r"\ensuremath{\approx}",
    "∞": r"\ensuremath{\infty}",
    "∂": r"\ensuremath{\partial}",
    "′": r"\ensuremath{'}",
    "″": r"\ensuremath{''}",
    "∑": r"\ensuremath{\sum}",
    "∏": r"\ensuremath{\prod}",
    "⊙": r"\ensuremath{\odot}",
    "⋆": r"\ensuremath{\star}",
    "‖": r"\ensuremath{\|}",
    "⌊": r"\ensuremath{\lfloor}",
    "⌋": r"\ensuremath{\rfloor}",
    "⌈": r"\ensuremath{\lceil}",
    "⌉": r"\ensuremath{\rceil}",
    "ᵀ": r"\textsuperscript{T}",
    "⁽": r"\textsuperscript{(}",
    "⁾": r"\textsuperscript{)}",
    "✓": r"\ensuremath{\surd}",
    "✗": r"\ensuremath{\times}",
    "ς": r"\ensuremath{\varsigma}",
}

#: Latin letters the T1 encoding has no glyph for, though they sit among those it has.
_NOT_IN_T1 = set("ĦħĸĿŀŉŦŧſ")

#: Greek capitals that LaTeX writes as the Latin letter of the same shape.
_LATIN_SHAPED_CAPITALS = dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΧ", "ABEZHIKMNOPTX", strict=True))

#: Unicode's spelling of a Greek letter's name where LaTeX's command differs.
_GREEK_COMMANDS = {"lamda": "lambda", "omicron": "o"}


#: Combining accents, set on the character before them (a figure's x̂), as LaTeX's text accents.
_ACCENTS = {"\u0302": r"\^{{{}}}", "\u0303": r"\~{{{}}}", "\u0304": r"\={{{}}}", "\u0307": r"\.{{{}}}"}


def escaped(text: str) -> str:
    r"""Text from a file, set as text: ``50% of $x_1$`` -> ``50\% of \$x\_1\$``."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char in _ACCENTS and out:
            out[-1] = _ACCENTS[char].format(out[-1])
        else:
            out.append(_character(char))
    return "".join(out)


def _character(char: str) -> str:
    if char in _SPECIAL:
        return _SPECIAL[char]
    if " " <= char <= "~":
        return char
    if char in "\t\n\r":
        return " "
    if char in _SYMBOLS:
        return _SYMBOLS[char]
    if "\u00a0" <= char <= "\u017f" and char not in _NOT_IN_T1 and char != "\u00ad":
        return char
    return _named(char) or f"[U+{ord(char):04X}]"


def _named(char: str) -> str | None:
    """A Greek letter or a sub- or superscript digit, read from its Unicode name; None for anything else."""
    words = unicodedata.name(char, "?").split()
    # The basic Greek alphabet only: its other letters (heta, sampi, …) have no LaTeX command.
    if ("Α" <= char <= "Ω" or "α" <= char <= "ω") and len(words) == 4:
        if char in _LATIN_SHAPED_CAPITALS:
            return _LATIN_SHAPED_CAPITALS[char]
        letter = _GREEK_COMMANDS.get(words[3].lower(), words[3].lower())
        if letter == "o":
            return letter
        return rf"\ensuremath{{\{letter if words[1] == 'SMALL' else letter.capitalize()}}}"
    digit = unicodedata.digit(char, None)
    if digit is not None and words[0] in ("SUBSCRIPT", "SUPERSCRIPT"):
        return rf"\text{words[0].lower()}{{{digit}}}"
    return None
