"""The body of a .docx, read from its zip without trusting what the zip declares.

A .docx is a zip whose parts may inflate a thousandfold: a 4 MB upload held a 1 GiB
document.xml, and reading every part whole took 5 GB of memory. Only the parts the audit
needs are read (the package's relationships and the main document), each streamed with a
cap on the bytes actually inflated, whatever size the zip header states.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from typing import TYPE_CHECKING

from lxml import etree

from bot.figure_check.errors import SourceError

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

__all__ = ["MAX_XML_BYTES", "main_document"]

# The most inflated XML an audit reads (the main document of a long report is about 1 MB).
MAX_XML_BYTES = 20 * 1024 * 1024
# The package relationships are a few hundred bytes.
_MAX_RELS_BYTES = 64 * 1024
_CHUNK = 64 * 1024
_RELS = "_rels/.rels"
_OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_W_DOCUMENT = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}document"
# No entities, no network, no huge text nodes: the XML of an upload is not trusted.
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _read_part(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """The inflated bytes of one part, refused as soon as they pass `limit`."""
    try:
        info = archive.getinfo(name)
    except KeyError as err:
        raise SourceError(f"no part {name}") from err
    if info.file_size > limit:
        raise SourceError(f"{name} declares {info.file_size} bytes", reason="too_large")
    buffer = bytearray()
    try:
        with archive.open(info) as part:
            while chunk := part.read(_CHUNK):
                buffer += chunk
                if len(buffer) > limit:
                    raise SourceError(f"{name} inflates past {limit} bytes", reason="too_large")
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError) as err:
        raise SourceError(f"{name}: {err}") from err
    return bytes(buffer)


def _main_part_name(archive: zipfile.ZipFile) -> str:
    """Where the package's officeDocument relationship points (word/document.xml usually)."""
    try:
        root = etree.fromstring(_read_part(archive, _RELS, _MAX_RELS_BYTES), _SAFE_PARSER)
    except etree.XMLSyntaxError as err:
        raise SourceError(f"{_RELS}: {err}") from err
    for relationship in root.iter(_PACKAGE_RELS):
        if relationship.get("Type") == _OFFICE_DOCUMENT and relationship.get("Target"):
            target = str(relationship.get("Target"))
            return posixpath.normpath(target.lstrip("/"))
    raise SourceError("no officeDocument relationship")


def main_document(data: bytes, *, max_xml_bytes: int = MAX_XML_BYTES) -> DocxDocument:
    """The main document of a .docx as python-docx reads it, from its body part alone.

    SourceError when `data` is not a .docx (reason "too_large" when its document
    inflates past `max_xml_bytes`).
    """
    from docx.document import Document
    from docx.oxml.parser import parse_xml

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError) as err:
        raise SourceError(f"not a zip: {err}") from err
    with archive:
        xml = _read_part(archive, _main_part_name(archive), max_xml_bytes)
    try:
        element = parse_xml(xml)
    except etree.XMLSyntaxError as err:
        raise SourceError(f"document: {err}") from err
    if element.tag != _W_DOCUMENT:
        raise SourceError(f"not a Word document: {element.tag}")
    # The body's paragraphs and tables need no package part: only their XML is read.
    return Document(element, None)  # type: ignore[arg-type]
