"""Step names: canonical ids, the course's own names for them, and their LaTeX.

Canonical names are plain ASCII (``z1``, ``y_hat``, ``dL/dW1``, ``out_h``); a
problem's ``notation`` renames them for display (seed 004 calls the
pre-activation ``a`` and the first weight matrix ``alpha``), and
``latex_name`` typesets them (``W_{1}``, ``\\hat{y}``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu",
    "sigma", "tau", "phi", "psi", "omega",
}  # fmt: skip

_NAME = re.compile(r"^([A-Za-z]+?)(\d*)((?:_[A-Za-z0-9]+)*)$")
_DERIVATIVE = re.compile(r"^d(\w+)/d(.+)$")
#: One entry of a step's value: ``z1[2]``, ``W1[1,2]``.
_ENTRY = re.compile(r"^(?P<name>[^\[\]]+)\[(?P<index>[^\]]*)\]$")
#: A name with its layer number (W1, b2), as an optimizer's quantities end in (m_hat_W1).
_LAYER_PARAMETER = re.compile(r"[A-Za-z]+\d+")
_WHOLE_NUMBERS = re.compile(r"\s*-?\d+\s*(?:,\s*-?\d+\s*)*")


#: A step's name inside prose (a title, a label, a caption): ``gradient of {W_y}``, ``{feature_map[1,2]}``.
_NAME_IN_PROSE = re.compile(r"\{([A-Za-z][A-Za-z0-9_'/]*(?:\[[\d,]*\])?)\}")


def fill_names(text: str, name: Callable[[str], str] = str, words: Callable[[str], str] = str) -> str:
    """Prose that names steps, as a format writes it: each ``{name}`` by ``name``, the words between by ``words``.

    Titles and labels mark the names they mention (``gradient of {W_y}``), so that each
    format shows them as the course names them (``gradient of $V$``) and sets them as
    math, while the words stay text.  By default the canonical names are put in
    (``gradient of W_y``), as error messages and machine-readable output show them.
    """
    pieces = _NAME_IN_PROSE.split(text)
    # split() alternates: words, a name, words, a name, ..., words.
    return "".join(name(piece) if i % 2 else words(piece) for i, piece in enumerate(pieces))


def split_entry(reference: str) -> tuple[str, str | None]:
    """The step a reference names and the text of its index, if any: ``W1[1,2]`` -> ``("W1", "1,2")``."""
    match = _ENTRY.match(reference)
    return (match["name"], match["index"]) if match else (reference, None)


def entry_name(name: str, position: Sequence[int], origin: Sequence[int] = ()) -> str:
    """How an entry is addressed: zero-based ``position`` numbered from ``origin`` (1 per axis unless it says)."""
    numbers = (i + (origin[axis] if axis < len(origin) else 1) for axis, i in enumerate(position))
    return f"{name}[{','.join(map(str, numbers))}]"


def entry_index(text: str) -> tuple[int, ...] | None:
    """The whole numbers of an entry's index (``"1, 2"`` -> ``(1, 2)``); None when it holds anything else."""
    if not _WHOLE_NUMBERS.fullmatch(text):
        return None
    return tuple(int(i) for i in text.split(","))


def rename(name: str, notation: Mapping[str, str]) -> str:
    """The course's name for a canonical step name.

    ``notation`` may rename a whole name (``y_hat: O``), a name with its layer
    number (``W1: alpha``), or just the letter (``z: a`` turns ``z1`` into ``a1``).
    Derivatives rename their parts: ``dL/dW1`` becomes ``dL/dalpha``.
    """
    if not notation:
        return name
    if name in notation:
        return notation[name]
    derivative = _DERIVATIVE.match(name)
    if derivative:
        top, bottom = derivative.groups()
        return f"d{rename(top, notation)}/d{rename(bottom, notation)}"
    pieces = _parts(name)
    if pieces is None:
        return name
    base, digits, suffix, index = pieces
    if base + digits + suffix in notation:
        return notation[base + digits + suffix] + index
    if base + digits in notation:
        return notation[base + digits] + suffix + index
    if base in notation:
        return notation[base] + digits + suffix + index
    # A name built on a renamed one keeps its tail: W_h_new -> w_h_new when W_h is w_h.
    parts = suffix.split("_")[1:]
    for cut in range(len(parts) - 1, 0, -1):
        stem = base + digits + "_" + "_".join(parts[:cut])
        if stem in notation:
            return notation[stem] + "_" + "_".join(parts[cut:]) + index
    # An optimizer's quantity names its parameter last: m_hat_W1 -> m_hat_alpha when W1 is alpha
    # (a parameter with its layer number: the letter h of b_h is not the hidden state h).
    renamed = [notation.get(part, part) if _LAYER_PARAMETER.fullmatch(part) else part for part in parts]
    if renamed != parts:
        return base + digits + "".join("_" + part for part in renamed) + index
    return name


def latex_name(name: str) -> str:
    r"""LaTeX for a (possibly renamed) step name, by one rule drawn from every name the kinds produce.

    A name is a symbol, then ``_``-separated parts, then an optional entry index:

    * the symbol is a letter (``z``), a Greek letter's name (``\delta``) or a word set
      upright (``\mathrm{loss}``); its layer number is a subscript (``z1`` -> ``z_{1}``);
    * words (three letters or more) that follow a word are the same name, joined
      upright: ``output_size`` -> ``\mathrm{output\_size}``, never a word as a
      subscript of a word; a number ending the name is still its subscript
      (``feature_map1`` -> ``\mathrm{feature\_map}_{1}``);
    * short parts (a letter or two, with digits: ``h``, ``hh``, ``e1``) are subscripts:
      ``out_h`` -> ``\mathrm{out}_{h}``, ``W_hh`` -> ``W_{hh}``;
    * a word after a letter labels it, set as text: ``E_total`` -> ``E_{\text{total}}``,
      ``w_h_path3`` -> ``w_{h,\text{path }3}``;
    * ``hat`` puts a hat on the symbol (``y_hat`` -> ``\hat{y}``, ``y_hat3`` -> ``\hat{y}_{3}``), or on
      the part it follows (``mean_Y_hat`` -> ``\mathrm{mean}_{\hat{Y}}``),
      ``new`` is a superscript (``W1_new`` -> ``W_{1}^{new}``), and so is the example of a batch
      (``h2_ex1`` -> ``h_{2}^{(1)}``, ``dL_ex1/dW_h`` -> ``\partial L^{(1)}/\partial W_{h}``);
    * an entry index is a subscript of a name without one (``x[2]`` -> ``x_{[2]}``) and
      follows one with (``W_{1}[1,2]``);
    * a derivative ``dA/dB`` is the fraction of its parts' names.
    """
    derivative = _DERIVATIVE.match(name)
    if derivative:
        top, bottom = derivative.groups()
        return rf"\frac{{\partial {latex_name(top)}}}{{\partial {latex_name(bottom)}}}"
    pieces = _parts(name)
    if pieces is None:
        return rf"\mathrm{{{name}}}"
    base, digits, suffix, index = pieces
    parts = [p for p in suffix.split("_") if p]
    step = re.fullmatch(r"hat(\d+)", parts[0]) if parts else None
    if step:  # y_hat3: the prediction of step 3
        parts[0:1] = ["hat", step[1]]
    if "hat" in parts[1:]:  # mean_Y_hat: the hat is on the part before it, not on the symbol
        at = parts.index("hat", 1)
        parts[at - 1 : at + 1] = [rf"\hat{{{parts[at - 1]}}}"]
    hat, new = "hat" in parts, "new" in parts
    example = next((p[2:] for p in parts if _EXAMPLE.fullmatch(p)), None)
    parts = [p for p in parts if p not in ("hat", "new") and not _EXAMPLE.fullmatch(p)]
    symbol, subscripts = _symbol(base, digits, parts)
    if hat:
        symbol = rf"\hat{{{symbol}}}"
    superscript = "^{new}" if new else (f"^{{({example})}}" if example else "")
    text = symbol + (f"_{{{','.join(subscripts)}}}" if subscripts else "") + superscript
    if index:
        text += index.replace("[", "_{[").replace("]", "]}") if not subscripts else index
    return text


#: The part of a name that says which example of a batch it belongs to: ``h2_ex1``.
_EXAMPLE = re.compile(r"ex\d+")
#: A part of a name that is a word, with the number that may end it: ``map``, ``path3``.
_WORD_PART = re.compile(r"([A-Za-z]{3,})(\d*)")


def _symbol(base: str, digits: str, parts: list[str]) -> tuple[str, list[str]]:
    """The symbol's LaTeX and its subscripts: words after a word join it, other parts are subscripts."""
    words = [base]
    if _is_word(base) and not digits:
        while parts and (word := _WORD_PART.fullmatch(parts[0])) and not _is_greek(word[1]):
            words.append(word[1])
            parts = parts[1:]
            if word[2]:  # feature_map1: the number ends the name
                digits = word[2]
                break
    symbol = r"\mathrm{" + r"\_".join(words) + "}" if len(words) > 1 else _latex_base(base)
    return symbol, ([digits] if digits else []) + [_subscript(part) for part in parts]


def _subscript(part: str) -> str:
    """A short part as it is (``h``, ``e1``); a word as text (``\\text{total}``, ``\\text{path }3``)."""
    word = _WORD_PART.fullmatch(part)
    if word is None or _is_greek(word[1]):
        return _latex_base(part) if _is_greek(part) else part
    return rf"\text{{{word[1]}{' ' if word[2] else ''}}}{word[2]}"


def _is_greek(letters: str) -> bool:
    return letters.lower() in GREEK


def _is_word(letters: str) -> bool:
    return len(letters) >= 3 and not _is_greek(letters)


def _parts(name: str) -> tuple[str, str, str, str] | None:
    """``W1_new[2]`` -> ``("W", "1", "_new", "[2]")``: letters, layer number, suffixes, entry index."""
    bare, index = split_entry(name)
    match = _NAME.match(bare)
    if match is None:
        return None
    base, digits, suffix = match.groups()
    return base, digits, suffix, "" if index is None else f"[{index}]"


def _latex_base(base: str) -> str:
    if _is_greek(base):
        return "\\" + base
    if len(base) == 1:
        return base
    return rf"\mathrm{{{base}}}"
