"""A step's LaTeX as MathML (``latex2mathml``): the HTML sheet shows it, the PDF sheet translates it to Typst."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

#: A minus that starts a number (after an opening bracket, a separator, a relation or an operator), not a subtraction.
_NEGATIVE = re.compile(r"(^|[(\[{,=&;:]|\\\\|\\cdot|\\times|\\left\(|\\left\[)(\s*)-(\d+(?:\.\d+)?(?:e[-+]?\d+)?)")


def braced_negatives(latex: str) -> str:
    """``latex`` with each negative number braced (``{-1.4}``), so that it is not spaced as a subtraction."""
    return _NEGATIVE.sub(r"\1\2{-\3}", latex)


def mathml_tree(latex: str) -> Element:
    """The MathML tree of ``latex``: ``<math>`` holding ``mrow``, ``mi``, ``mn``, ``mo``, ``mfrac``, ``mtable``...

    latex2mathml keeps the symbols it writes as character references in the
    elements' text (``&#x02202;``); its own errors share no base class.
    """
    from latex2mathml.converter import convert_to_element

    return convert_to_element(braced_negatives(latex))
