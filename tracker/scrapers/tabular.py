"""Reading CSV bytes the way every CSV source needs it: decoded, keyed by column name.

Sources add, drop and reorder columns between snapshots (Epoch inserted `mean_score`), so
rows are dicts keyed by header name and a parser asks for the columns it needs by name.
"""

from __future__ import annotations

import csv
import io

from tracker.scrapers.errors import ParseError


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 text of a response (a BOM is dropped); ParseError when it is not text."""
    if not isinstance(data, bytes | bytearray):
        raise ParseError(source, f"expected bytes, got {type(data).__name__}")
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(source, f"not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise ParseError(source, "binary data where CSV/JSON text was expected")
    return text


def read_rows(data: bytes, source: str, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a CSV response that has every `required` column.

    Raises ParseError for empty input, a missing column, or CSV that the reader rejects
    (e.g. an unterminated quote); line numbers are those of the file, header = 1.
    """
    text = decode_text(data, source)
    if not text.strip():
        raise ParseError(source, "empty response")
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []
        missing = [name for name in required if name not in header]
        if missing:
            raise ParseError(
                source, f"column missing (format changed?); header is {header[:8]}", row="1", field=missing[0]
            )
        rows = []
        for row in reader:
            if None in row:
                raise ParseError(source, "more cells than header columns", row=str(reader.line_num))
            rows.append((reader.line_num, {k: (v or "") for k, v in row.items()}))
        return rows
    except csv.Error as exc:
        raise ParseError(source, f"malformed CSV: {exc}", row=str(reader.line_num)) from None
