"""Hostile input to the audit (issue 17): it stays linear, bounded and refuses clearly.

The time test compares the audit of N and 4N repetitions by the best of several CPU-time
runs: a linear audit takes about 4 times as long, a quadratic one 16 times. The zip bombs
are written in chunks to a temporary folder, so the test never holds what they inflate to.
"""

from __future__ import annotations

import io
import os
import resource
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from docx import Document
from typer.testing import CliRunner

from bot.cli import app
from bot.conversation.events import Attachment
from bot.figure_check import SourceError, audit_blocks, audit_bytes, audit_path
from bot.figure_check.source import MAX_FILE_BYTES, MAX_XML_BYTES, read_docx, read_text
from tests.support.transcript import Chat

_MIB = 1024 * 1024
_IMAGE_RELATIONSHIP = (
    b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/image" Target="media/image1.png"/>'
)
_PARAGRAPH = b"<w:p><w:r><w:t>Ti le 53/591 (chiem ti le 8,97%).</w:t></w:r></w:p>"


def _cpu_seconds(text: str, *, runs: int = 5, enough: float = 0.0) -> float:
    """The best CPU time of `runs` audits of `text`, stopping at one within `enough`."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        audit_blocks(read_text(text), "x.txt")
        best = min(best, time.process_time() - started)
        if best <= enough:
            break
    return best


@pytest.mark.parametrize(
    ("head", "unit"),
    [
        ("", "tăng 1% "),
        ("", "Tổng số lớp: 2 (công lập: 1; ngoài công lập: 1) "),
        ("", "Tỉ lệ 91,82%, năm học trước 89,87%, tăng 1,95% và tăng1% "),
        ("Tổng số 99999 em, trong đó", " 1 em đạt 5%,"),
        ("", "tăng 1%\n\n"),
    ],
)
def test_audit_of_one_long_paragraph_is_linear(head: str, unit: str) -> None:
    small = _cpu_seconds(head + unit * 1_000)
    # 4 times the text: about 4 times the time when linear, 16 when quadratic.
    bound = 8 * max(small, 0.002)
    large = _cpu_seconds(head + unit * 4_000, runs=3, enough=bound)
    assert large < bound, (small, large)


# -- zip bombs --------------------------------------------------------------------------------


def _small_docx() -> bytes:
    document = Document()
    document.add_paragraph("Có 29/36 Dòng họ học tập (tỉ lệ 80.55%).")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _bomb(path: Path, *, body_mib: int = 0, image_mib: int = 0) -> Path:
    """A sound .docx whose body is inflated to about `body_mib` MiB of paragraphs, or
    which carries an `image_mib` MiB image part of zeros; written in 1 MiB chunks."""
    with (
        zipfile.ZipFile(io.BytesIO(_small_docx())) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/_rels/document.xml.rels" and image_mib:
                # Referenced as a picture is: a reader following every relationship loads it.
                data = data.replace(b"</Relationships>", _IMAGE_RELATIONSHIP + b"</Relationships>")
            if info.filename != "word/document.xml" or not body_mib:
                target.writestr(info.filename, data)
                continue
            head, tail = data.split(b"<w:sectPr", 1)
            block = _PARAGRAPH * (_MIB // len(_PARAGRAPH))
            with target.open("word/document.xml", "w", force_zip64=True) as part:
                part.write(head)
                for _ in range(body_mib):
                    part.write(block)
                part.write(b"<w:sectPr" + tail)
        if image_mib:
            with target.open("word/media/image1.png", "w", force_zip64=True) as image:
                zeros = bytes(_MIB)
                for _ in range(image_mib):
                    image.write(zeros)
    return path


def _peak_while(action: object) -> tuple[object, int]:
    tracemalloc.start()
    try:
        outcome = action() if callable(action) else None
    except SourceError as err:
        outcome = err
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return outcome, peak


def test_inflated_body_over_the_limit_is_refused(tmp_path: Path) -> None:
    # A 30 MiB document.xml (under 1 MB on disk) against the real 20 MiB limit.
    path = _bomb(tmp_path / "bom.docx", body_mib=30)
    assert path.stat().st_size < _MIB
    outcome, peak = _peak_while(lambda: audit_path(path))
    assert isinstance(outcome, SourceError), outcome
    assert outcome.reason == "too_large"
    assert "quá lớn" in outcome.explain("bom.docx", chat=True)
    assert "20 MB" in outcome.explain("bom.docx", chat=True)
    assert peak < MAX_XML_BYTES * 3


def test_inflation_is_capped_while_reading_whatever_the_header_says(tmp_path: Path) -> None:
    path = _bomb(tmp_path / "bom.docx", body_mib=8)
    # Over a smaller cap, the declared size refuses it before any byte is inflated...
    with pytest.raises(SourceError) as refused:
        read_docx(path.read_bytes(), max_xml_bytes=2 * _MIB)
    assert refused.value.reason == "too_large"
    # ...and a header that lies about the size is caught while reading, memory bounded.
    lying = _with_declared_size(path.read_bytes(), "word/document.xml", 1000)
    outcome, peak = _peak_while(lambda: read_docx(lying, max_xml_bytes=2 * _MIB))
    assert isinstance(outcome, SourceError), outcome
    assert peak < 8 * _MIB


def _with_declared_size(data: bytes, name: str, size: int) -> bytes:
    """`data` with the uncompressed size of `name` in its central directory set to `size`."""
    entry = data.index(b"PK\x01\x02")
    while True:
        (length,) = struct.unpack_from("<H", data, entry + 28)
        if data[entry + 46 : entry + 46 + length].decode() == name:
            break
        entry = data.index(b"PK\x01\x02", entry + 46)
    patched = bytearray(data)
    if struct.unpack_from("<I", data, entry + 24)[0] == 0xFFFFFFFF:
        # Zip64: the real size sits in the extra field, first after its 4-byte header.
        struct.pack_into("<Q", patched, entry + 46 + length + 4, size)
    else:
        struct.pack_into("<I", patched, entry + 24, size)
    return bytes(patched)


def test_a_huge_image_part_is_never_read(tmp_path: Path) -> None:
    path = _bomb(tmp_path / "anh.docx", image_mib=256)
    data = path.read_bytes()
    assert len(data) < 2 * _MIB
    outcome, peak = _peak_while(lambda: audit_bytes(data, "anh.docx"))
    assert not isinstance(outcome, SourceError), outcome
    assert [f.stated for f in outcome.findings] == ["80.55%"]  # type: ignore[attr-defined]
    assert peak < 16 * _MIB


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"PK\x03\x04" + os.urandom(2000),
        b"\x00" * 5000,
        # A zip, but not a Word document: no package relationships, then a spreadsheet.
        b"zip:word/document.xml",
        b"zip:xlsx",
    ],
)
def test_garbage_is_refused_as_unreadable(data: bytes) -> None:
    if data == b"zip:word/document.xml":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("word/document.xml", _PARAGRAPH)
        data = buffer.getvalue()
    elif data == b"zip:xlsx":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(
                "_rels/.rels",
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
                'org/officeDocument/2006/relationships/officeDocument" '
                'Target="xl/workbook.xml"/></Relationships>',
            )
            archive.writestr("xl/workbook.xml", "<workbook/>")
        data = buffer.getvalue()
    with pytest.raises(SourceError) as refused:
        read_docx(data)
    assert refused.value.reason == "unreadable"
    assert "Hãy gửi tệp Word" in refused.value.explain("x.docx", chat=True)


# -- the command line -------------------------------------------------------------------------


def test_cli_refuses_an_inflated_docx_with_exit_2(tmp_path: Path) -> None:
    path = _bomb(tmp_path / "bom.docx", body_mib=30)
    result = CliRunner().invoke(app, ["audit", str(path)])
    assert result.exit_code == 2
    assert "Tệp «bom.docx» quá lớn để kiểm tra" in result.output
    assert "Traceback" not in result.output


def _limit_memory() -> None:
    # Before the fix /dev/zero was read whole: fail fast instead of filling the machine.
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 * _MIB, 2 * 1024 * _MIB))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory,
        check=False,
    )


def test_cli_refuses_a_device_and_a_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "ong.docx"
    os.mkfifo(fifo)
    for target, name in [("/dev/zero", "zero"), (str(fifo), "ong.docx"), (str(tmp_path), "")]:
        done = _cli("audit", target)
        assert done.returncode == 2, done.stderr
        assert "không phải là một tệp thông thường" in done.stderr
        assert f"«{name or tmp_path.name}»" in done.stderr
        assert "Traceback" not in done.stderr


def test_cli_refuses_a_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "lon.txt"
    with path.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)
    result = CliRunner().invoke(app, ["audit", str(path)])
    assert result.exit_code == 2
    assert "Tệp «lon.txt» lớn hơn 10 MB" in result.output


def test_cli_says_a_missing_file_does_not_exist(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["audit", str(tmp_path / "khong-co.docx")])
    assert result.exit_code == 2
    assert "Không tìm thấy tệp «khong-co.docx»" in result.output
    assert "Word" not in result.output


def test_chat_says_an_inflated_docx_is_too_large(tmp_path: Path, chat: Chat) -> None:
    data = _bomb(tmp_path / "bom.docx", body_mib=30).read_bytes()
    chat.say("/start")
    chat.send(Attachment("document", "bom.docx", data))
    assert "Tệp «bom.docx» quá lớn để kiểm tra" in chat.text
    assert "20 MB" in chat.text
