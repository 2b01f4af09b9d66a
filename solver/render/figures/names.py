"""Names as a figure writes them: the course's name (``notation``), set with the symbols it spells out.

A step's name is plain text (``y_hat``, ``mu``, ``h2_ex1``) so that files and the
terminal can carry it; in a drawing the reader should see what the notes write:
ŷ, μ and h2⁽¹⁾ (a batch example's index, as the equations set it).  Only names
pass through here, never prose, so an English word is never taken for a letter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping

from solver.graph.names import rename

#: Greek letters a name may spell out, as whole words (``alpha1`` is α1; ``alphabet`` stays).
_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eps": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "rho": "ρ",
    "sigma": "σ", "tau": "τ", "phi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}  # fmt: skip
# A word, alone or after the d of a derivative (dL/dmu), followed by no other letter.
_WORDS = "|".join(sorted(_GREEK, key=len, reverse=True))
_GREEK_WORD = re.compile(rf"(?:(?<=/d)|(?<![A-Za-z]))({_WORDS})(?![a-z])")
_HAT = re.compile(r"([A-Za-zα-ωΑ-Ω])_hat")
_EXAMPLE = re.compile(r"_ex(\d+)")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def as_symbols(name: str) -> str:
    """``y_hat`` -> ŷ, ``mu`` -> μ, ``h2_ex1`` -> h2⁽¹⁾, ``dL/dgamma`` -> dL/dγ."""
    name = _EXAMPLE.sub(lambda m: f"⁽{m.group(1).translate(_SUPERSCRIPT)}⁾", name)
    name = _GREEK_WORD.sub(lambda m: _GREEK[m.group(1)], name)
    return unicodedata.normalize("NFC", _HAT.sub("\\1\u0302", name))


def figure_name(name: str, notation: Mapping[str, str]) -> str:
    """The course's name for a step (``notation``), as a figure writes it."""
    return as_symbols(rename(name, notation))


def namer(notation: Mapping[str, str]) -> Callable[[str], str]:
    """``figure_name`` for one solution's notation."""
    return lambda name: figure_name(name, notation)
