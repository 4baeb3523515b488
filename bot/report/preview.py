"""A kept draft as a PDF and as pictures of its pages, made once and kept beside it.

LibreOffice prints the PDF (`bot.report.pdf`) and poppler's `pdftoppm` draws the pages;
both take seconds, so each kept draft is converted once (one thread at a time per draft)
and the files are reused until the draft history goes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from bot.report.pdf import CONVERSION_TIMEOUT, PdfConversionError, docx_to_pdf, pdf_available

# Pixels per inch of a page picture: an A4 page 661 px wide, sharp on a phone.
PREVIEW_DPI = 80
# Pages drawn at most: a report's pictures, not a book's.
MAX_PAGES = 30
_PAGE = re.compile(r"page-(\d+)\.png$")

_guard = threading.Lock()
_locks: dict[Path, threading.Lock] = {}
# LibreOffice runs at once, whatever the number of drafts opened together: each takes a
# core and a few hundred MB.
_conversions = threading.BoundedSemaphore(2)


def previews_available() -> bool:
    """Whether pages can be drawn here (LibreOffice and pdftoppm installed)."""
    return pdf_available() and shutil.which("pdftoppm") is not None


def _lock(path: Path) -> threading.Lock:
    with _guard:
        return _locks.setdefault(path, threading.Lock())


def kept_pdf(docx: Path) -> Path:
    """The PDF of a kept .docx, printed the first time it is asked for."""
    target = docx.with_suffix(".pdf")
    with _lock(target):
        if not target.is_file():
            with _conversions:
                data = docx_to_pdf(docx.read_bytes(), docx.stem)
            partial = target.with_suffix(".pdf.part")
            partial.write_bytes(data)
            partial.replace(target)
    return target


def page_images(docx: Path) -> list[Path]:
    """Pictures (PNG) of the kept .docx's pages, first page first, drawn once."""
    folder = docx.with_suffix(".pages")
    with _lock(folder):
        if not folder.is_dir():
            pdf = kept_pdf(docx)
            program = shutil.which("pdftoppm")
            if program is None:
                raise PdfConversionError("pdftoppm is not installed")
            with tempfile.TemporaryDirectory(prefix="pages-", dir=docx.parent) as work:
                command = [program, "-png", "-r", str(PREVIEW_DPI), "-l", str(MAX_PAGES)]
                try:
                    subprocess.run(
                        [*command, str(pdf), str(Path(work) / "page")],
                        capture_output=True,
                        timeout=CONVERSION_TIMEOUT,
                        check=True,
                    )
                except (subprocess.SubprocessError, OSError) as err:
                    raise PdfConversionError(str(err)) from err
                drawn = Path(work) / "drawn"
                drawn.mkdir()
                for picture in Path(work).glob("page-*.png"):
                    match = _PAGE.search(picture.name)
                    if match:  # pdftoppm pads numbers by the page count: page-01.png
                        picture.rename(drawn / f"page-{int(match.group(1))}.png")
                drawn.rename(folder)
    pages = [path for path in folder.glob("page-*.png") if _PAGE.search(path.name)]
    return sorted(pages, key=lambda path: int(_PAGE.search(path.name).group(1)))  # type: ignore[union-attr]
