"""Where a figure's labels go: the first of their candidate spots that covers nothing drawn or placed.

A drawer lists, best first, the spots where a label could sit (along its edge);
``first_free`` takes the first whose box covers no node and no label placed
before, or else the one that covers least.  Boxes are filed by the band of
the figure they reach, so a label is compared with its neighbours only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

Spot = tuple[float, float]


@dataclass(frozen=True)
class Box:
    """A rectangle a label must not cover: (left, top, right, bottom)."""

    left: float
    top: float
    right: float
    bottom: float

    def overlap(self, other: Box) -> float:
        """The area this box shares with ``other``."""
        across = min(self.right, other.right) - max(self.left, other.left)
        down = min(self.bottom, other.bottom) - max(self.top, other.top)
        return max(across, 0) * max(down, 0)


def text_box(x: float, y: float, lines: Iterable[str], size: float, leading: float) -> Box:
    """The box of text lines centred on (x, y), ``leading`` apart (a sans-serif character is about 0.6 em wide)."""
    lines = list(lines)
    half_width = 0.3 * size * max(map(len, lines))
    half_height = (size + leading * (len(lines) - 1)) / 2 + 1
    return Box(x - half_width, y - half_height, x + half_width, y + half_height)


class Taken:
    """The boxes of the nodes and labels placed so far, filed by the vertical bands (``band`` wide) they reach."""

    def __init__(self, band: float) -> None:
        self.band = band
        self.by_band: dict[int, list[Box]] = {}

    def _bands(self, box: Box) -> range:
        return range(int(box.left // self.band), int(box.right // self.band) + 1)

    def add(self, box: Box) -> None:
        for band in self._bands(box):
            self.by_band.setdefault(band, []).append(box)

    def covered(self, box: Box) -> float:
        """The area of ``box`` that boxes already placed cover."""
        near = {id(b): b for band in self._bands(box) for b in self.by_band.get(band, [])}
        return sum(box.overlap(b) for b in near.values())

    def first_free(self, spots: Iterable[Spot], box_at: Callable[[Spot], Box]) -> Spot:
        """The first spot whose box covers nothing, else the one covering least; the box is then taken."""
        tried = []
        for spot in spots:
            if not self.covered(box_at(spot)):
                self.add(box_at(spot))
                return spot
            tried.append(spot)
        best = min(tried, key=lambda spot: self.covered(box_at(spot)))
        self.add(box_at(best))
        return best
