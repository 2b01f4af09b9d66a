"""Step names: canonical ids, the course's own names for them, and their LaTeX.

Canonical names are plain ASCII (``z1``, ``y_hat``, ``dL/dW1``, ``out_h``); a
problem's ``notation`` renames them for display (seed 004 calls the
pre-activation ``a`` and the first weight matrix ``alpha``), and
``latex_name`` typesets them (``W_{1}``, ``\\hat{y}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

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
    """LaTeX for a (possibly renamed) step name: ``W1_new`` -> ``W_{1}^{new}``."""
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
    superscript = ""
    if "hat" in parts:
        parts.remove("hat")
        base = rf"\hat{{{_latex_base(base)}}}"
    else:
        base = _latex_base(base)
    if "new" in parts:
        parts.remove("new")
        superscript = "^{new}"
    subscripts = ([digits] if digits else []) + parts
    text = base + (f"_{{{','.join(subscripts)}}}" if subscripts else "") + superscript
    if index:
        text += index.replace("[", "_{[").replace("]", "]}") if not subscripts else index
    return text


def _parts(name: str) -> tuple[str, str, str, str] | None:
    """``W1_new[2]`` -> ``("W", "1", "_new", "[2]")``: letters, layer number, suffixes, entry index."""
    bare, index = split_entry(name)
    match = _NAME.match(bare)
    if match is None:
        return None
    base, digits, suffix = match.groups()
    return base, digits, suffix, "" if index is None else f"[{index}]"


def _latex_base(base: str) -> str:
    if base.lower() in GREEK:
        return "\\" + base
    if len(base) == 1:
        return base
    return rf"\mathrm{{{base}}}"
