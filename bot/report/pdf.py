"""A .docx printed to PDF by headless LibreOffice, when it is installed."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CONVERSION_TIMEOUT = 120  # seconds; a first start of LibreOffice takes a few


class PdfUnavailableError(RuntimeError):
    """LibreOffice is not installed, so no PDF can be made here."""


class PdfConversionError(RuntimeError):
    """LibreOffice ran but made no PDF."""


def soffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_available() -> bool:
    """Whether a PDF can be made here."""
    return soffice() is not None


def docx_to_pdf(data: bytes, stem: str = "bao-cao") -> bytes:
    """The PDF of a .docx given as bytes, printed by LibreOffice with a profile of its own."""
    program = soffice()
    if program is None:
        raise PdfUnavailableError
    with tempfile.TemporaryDirectory(prefix="baocao-pdf-") as folder:
        work = Path(folder)
        source = work / f"{stem}.docx"
        source.write_bytes(data)
        try:
            subprocess.run(
                [
                    program,
                    f"-env:UserInstallation={(work / 'profile').as_uri()}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(work),
                    str(source),
                ],
                capture_output=True,
                timeout=CONVERSION_TIMEOUT,
                check=True,
            )
        except (subprocess.SubprocessError, OSError) as err:
            raise PdfConversionError(str(err)) from err
        result = work / f"{stem}.pdf"
        if not result.is_file():
            raise PdfConversionError(f"no PDF for {source.name}")
        return result.read_bytes()
