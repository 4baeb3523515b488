"""Benchmark of the audit against hostile input; prints one JSON object per case.

- text: one paragraph of "tăng 1% " repeated N times (64 KB for N = 8 000), audited as
  plain text; the audit must stay linear (issue 17, item 1);
- docx-body: a .docx whose word/document.xml inflates to SIZE MiB of paragraphs;
- docx-image: a small, sound .docx carrying a SIZE MiB image part of zeros.

Each case runs in a child process (so that one peak does not hide another) with a time
limit; the child reports wall time and its peak resident memory (with --tracemalloc, the
peak of Python allocations instead, which slows the run down).
The hostile .docx files are written to a temporary folder in chunks, never held in memory.

Usage: .venv/bin/python bench/bench_audit.py [--text 8000,16000,64000] [--body 1024]
       [--image 1024] [--timeout 300] [--tracemalloc]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="png" ContentType="image/png"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_DOC_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/image" Target="media/image1.png"/></Relationships>'
)
_DOC_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body>"
)
_DOC_TAIL = "</w:body></w:document>"
_PARAGRAPH = "<w:p><w:r><w:t>Tỉ lệ 53/591 (chiếm tỉ lệ 8,97%).</w:t></w:r></w:p>"
_CHUNK = 1 << 20


def write_docx(path: Path, *, body_mib: int = 0, image_mib: int = 0) -> None:
    """A .docx whose body inflates to about `body_mib` MiB, or with an `image_mib` MiB image."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(_DOC_HEAD.encode())
            block = (_PARAGRAPH * (_CHUNK // len(_PARAGRAPH.encode()))).encode()
            for _ in range(body_mib):
                part.write(block)
            if not body_mib:
                part.write(_PARAGRAPH.encode())
            part.write(_DOC_TAIL.encode())
        if image_mib:
            # Referenced from the document, as a picture is: a reader following every
            # relationship loads it.
            archive.writestr("word/_rels/document.xml.rels", _DOC_RELS)
            with archive.open("word/media/image1.png", "w", force_zip64=True) as image:
                zeros = bytes(_CHUNK)
                for _ in range(image_mib):
                    image.write(zeros)


def _run_case(case: str, size: int, *, trace: bool) -> dict[str, object]:
    """Runs one case in this process and measures it."""
    from bot.figure_check import SourceError, audit_blocks, audit_path
    from bot.figure_check.source import read_text

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hostile.docx"
        if case == "docx-body":
            write_docx(path, body_mib=size)
        elif case == "docx-image":
            write_docx(path, image_mib=size)
        text = "tăng 1% " * size if case == "text" else ""
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        try:
            if case == "text":
                report = audit_blocks(read_text(text), "bench.txt")
            else:
                report = audit_path(path)
            outcome = f"audited, {report.checked} checked"
        except SourceError as err:
            outcome = f"refused: {err}"
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if trace else None
        tracemalloc.stop()
        file_bytes = path.stat().st_size if path.exists() else len(text.encode())
    return {
        "case": case,
        "size": size,
        "input_bytes": file_bytes,
        "seconds": round(seconds, 3),
        "tracemalloc_peak_mib": None if peak is None else round(peak / 2**20, 1),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "outcome": outcome,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--text", default="8000,16000,64000")
    parser.add_argument("--body", default="1024", help="MiB of document.xml; 0 to skip")
    parser.add_argument("--image", default="1024", help="MiB of image part; 0 to skip")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        measured = _run_case(args.case, args.size, trace=args.tracemalloc)
        print(json.dumps(measured, ensure_ascii=False))
        return
    cases = [("text", int(n)) for n in args.text.split(",") if int(n)]
    cases += [("docx-body", int(n)) for n in args.body.split(",") if int(n)]
    cases += [("docx-image", int(n)) for n in args.image.split(",") if int(n)]
    for case, size in cases:
        command = [sys.executable, __file__, "--case", case, "--size", str(size)]
        if args.tracemalloc:
            command.append("--tracemalloc")
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=args.timeout, check=False
            )
            line = done.stdout.strip() or json.dumps(
                {"case": case, "size": size, "error": done.stderr.strip()[-300:]}
            )
        except subprocess.TimeoutExpired:
            line = json.dumps({"case": case, "size": size, "seconds": f"> {args.timeout}"})
        print(line, flush=True)


if __name__ == "__main__":
    main()
