"""Draw the pictures of sheets that the README shows: ``python docs/pictures.py``.

Writes, into this folder, a page of the homework-1 HTML key and HTML handout as
headless Chromium shows them, and a page of the PDF key as ``pdftoppm`` renders
it: the page holding ``PDF_PAGE_WITH`` (a problem whose figure is worth seeing).
Needs the project installed with the ``pdf`` extra, Debian's ``chromium`` and
``poppler-utils``.  Run it again whenever the sheets change.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
HOMEWORK = DOCS.parent / "problems" / "homework1.yaml"
#: Text found on the PDF page to show: the 2-3-1 tanh network of seed 004, with its figure.
PDF_PAGE_WITH = "2-3-1 tanh network, question 1"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=900,1300",
]


def nnsolve(*args: str) -> None:
    beside = Path(sys.executable).with_name("nnsolve")
    command = str(beside) if beside.exists() else shutil.which("nnsolve") or "nnsolve"
    subprocess.run([command, *args], check=True, cwd=DOCS.parent)


def screenshot(page: Path, png: Path, folder: Path) -> None:
    chromium = shutil.which("chromium") or "chromium"
    profile = f"--user-data-dir={folder / 'profile'}"
    command = [chromium, *CHROMIUM_FLAGS, profile, f"--screenshot={png}", page.as_uri()]
    subprocess.run(command, check=True, capture_output=True)


def pdf_page(pdf: Path, png: Path) -> None:
    pages = int(_pdfinfo(pdf)["Pages"])
    number = next((n for n in range(1, pages + 1) if PDF_PAGE_WITH in _page_text(pdf, n)), 1)
    stem = png.with_suffix("")
    page = ["-f", str(number), "-l", str(number)]
    subprocess.run(["pdftoppm", "-png", "-r", "80", *page, "-singlefile", pdf, stem], check=True)


def _pdfinfo(pdf: Path) -> dict[str, str]:
    lines = subprocess.run(["pdfinfo", pdf], check=True, capture_output=True, text=True).stdout.splitlines()
    return dict(line.split(":", 1) for line in lines if ":" in line)


def _page_text(pdf: Path, number: int) -> str:
    command = ["pdftotext", "-f", str(number), "-l", str(number), pdf, "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def main() -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        key, handout, pdf = folder / "key.html", folder / "handout.html", folder / "key.pdf"
        nnsolve("solve", str(HOMEWORK), "-o", str(key))
        nnsolve("solve", str(HOMEWORK), "--questions", "-o", str(handout))
        nnsolve("solve", str(HOMEWORK), "-o", str(pdf))
        screenshot(key, DOCS / "homework1-key-html.png", folder)
        screenshot(handout, DOCS / "homework1-handout-html.png", folder)
        pdf_page(pdf, DOCS / "homework1-key-pdf.png")


if __name__ == "__main__":
    main()
