"""JSON documents and zip bundles of them, read the way every JSON source needs it.

Several sources publish one JSON file per model (HELM's EvalEval records, LLMStats'
`model.json`); a recorded snapshot or a download of such a source is a zip of those files.
Both helpers turn anything unreadable into a ParseError naming the source (and the member),
so a parser never lets a JSON or zip exception escape.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from typing import Any

from tracker.scrapers.errors import ParseError
from tracker.scrapers.tabular import decode_text

MAX_MEMBER_BYTES = 20_000_000
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, OSError, KeyError)


def load_json(data: bytes, source: str, where: str = "") -> Any:
    """The JSON value of a response; ParseError when it is not UTF-8 JSON."""
    try:
        return json.loads(decode_text(data, source))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ParseError(source, f"not JSON: {str(exc)[:80]}", row=where) from None


def is_zip(data: bytes) -> bool:
    """Whether the bytes start like a zip archive (local file header)."""
    return bytes(data[:4]) == b"PK\x03\x04"


def json_members(data: bytes, source: str, suffix: str = ".json") -> list[tuple[str, Any]]:
    """(member path, JSON value) of every member ending in `suffix`, in path order.

    A member that is not JSON is returned as a ParseError value, not raised, so one bad file
    in a bundle is quarantined while its siblings are read.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = sorted((i for i in archive.infolist() if i.filename.endswith(suffix)), key=_name)
            out: list[tuple[str, Any]] = []
            for info in infos:
                if info.file_size > MAX_MEMBER_BYTES:
                    raise ParseError(source, f"{info.filename} is {info.file_size} bytes, over the cap")
                out.append((info.filename, _member_json(archive.read(info), source, info.filename)))
            return out
    except ParseError:
        raise
    except _ZIP_ERRORS as exc:
        raise ParseError(source, f"not a readable zip: {str(exc)[:80]}") from None


def documents(data: bytes, source: str, *, suffix: str, single: str) -> list[tuple[str, Any]]:
    """(where, JSON value or ParseError) of a zip bundle's members, or of one document named `single`."""
    return json_members(data, source, suffix) if is_zip(data) else [(single, load_json(data, source))]


def _name(info: zipfile.ZipInfo) -> str:
    return info.filename


def _member_json(data: bytes, source: str, name: str) -> Any:
    try:
        return load_json(data, source, name)
    except ParseError as exc:
        return exc
