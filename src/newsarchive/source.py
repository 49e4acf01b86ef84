"""Read an issue file: bytes → text, YAML front matter, facts from its path.

Editors' tools save in whatever encoding Windows or a phone gives them, so the
decoder tries the byte-order marks, then strict UTF-8, then GB18030 (a superset
of GBK/GB2312), and only then asks charset-normalizer. Anything that still
does not look like text is refused with a message naming the file, never
decoded into mojibake.
"""
from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from pathlib import Path

import yaml

from .model import Diagnostic, Source, SourceError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
FRONT_MATTER_KEYS = {"publication", "date", "page", "district", "title", "slug", "source", "notes"}
_DATE_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")


def decode_bytes(data: bytes, path: str) -> tuple[str, str]:
    """Return (text, encoding name) or raise SourceError."""
    if not data.strip():
        raise SourceError(path, "file is empty")
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(name.replace("-sig", "")), name
            except UnicodeDecodeError as exc:
                raise SourceError(path, f"starts with a {name} byte-order mark but is not valid {name}: {exc.reason} at byte {exc.start}") from None
    utf16 = _guess_bomless_utf16(data)
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise SourceError(path, "looks like a binary file (it contains NUL bytes), not a text issue file")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
        if _looks_like_text(text):
            return text, "gb18030"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:  # pragma: no cover - library failure is reported below
        best = None
    if best is not None and _looks_like_text(str(best)):
        return str(best), best.encoding
    raise SourceError(path, "cannot decode: not UTF-8, UTF-16 or GB18030 text (save it as UTF-8)")


def _guess_bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM shows NULs in every other byte for ASCII and newlines."""
    if len(data) < 4 or len(data) % 2:
        return None
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    half = len(data) // 2
    if odd_nuls > half * 0.05 and even_nuls == 0:
        return "utf-16-le"
    if even_nuls > half * 0.05 and odd_nuls == 0:
        return "utf-16-be"
    return None


def _looks_like_text(text: str) -> bool:
    """Reject decodings full of control characters or private-use code points."""
    if not text:
        return False
    bad = sum(
        1
        for ch in text
        if (unicodedata.category(ch) in ("Cc", "Co", "Cs", "Cn") and ch not in "\n\r\t\f")
    )
    return bad <= max(2, len(text) // 200)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")


def split_front_matter(text: str, path: str) -> tuple[dict, int, list[Diagnostic]]:
    """Parse `---` … `---` at the top; return (mapping, first body line, diagnostics)."""
    lines = text.split("\n")
    first = 0
    while first < len(lines) and not lines[first].strip():
        first += 1
    if first >= len(lines) or lines[first].strip() != "---":
        return {}, 1, []
    for end in range(first + 1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise SourceError(path, "front matter starts with '---' but has no closing '---' line", first + 1)
    raw = "\n".join(lines[first + 1 : end])
    try:
        data = yaml.safe_load(raw) if raw.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first + 2 + mark.line if mark is not None else first + 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SourceError(path, f"broken front matter: {problem}", line) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SourceError(path, "front matter must be a mapping of `key: value` lines", first + 2)
    diagnostics = []
    for key in data:
        if str(key) not in FRONT_MATTER_KEYS:
            line = next((i + 1 for i in range(first + 1, end) if lines[i].lstrip().startswith(f"{key}:")), first + 1)
            diagnostics.append(Diagnostic(line, f"unknown front matter field '{key}' (known: {', '.join(sorted(FRONT_MATTER_KEYS))})"))
    return {str(k): v for k, v in data.items()}, end + 2, diagnostics


def date_from_filename(path: str) -> str | None:
    m = _DATE_IN_NAME.search(Path(path).name)
    if not m:
        return None
    y, mo, d = (int(x) for x in m.groups())
    import datetime

    try:
        return datetime.date(y, mo, d).isoformat()
    except ValueError:
        return None


def slug_for(path: str) -> str:
    """ASCII, URL-safe and stable: the file name's ASCII part, else a hash of it."""
    stem = Path(path).stem
    ascii_part = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    if len(ascii_part) < 3 or ascii_part.isdigit() and len(ascii_part) == 8:
        digest = hashlib.sha1(stem.encode("utf-8")).hexdigest()[:8]
        ascii_part = f"{ascii_part}-{digest}".strip("-")
    return ascii_part[:60].strip("-")


def read_source(path: Path | str, display_path: str | None = None) -> Source:
    """Read one file from disk; raises SourceError for what cannot be parsed at all."""
    path = Path(path)
    shown = display_path or path.as_posix()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(shown, f"cannot read: {exc.strerror}") from None
    return source_from_bytes(data, shown)


def source_from_bytes(data: bytes, path: str) -> Source:
    text, encoding = decode_bytes(data, path)
    text = normalise_newlines(text)
    if text.startswith("\ufeff"):
        text = text[1:]
    front_matter, body_start, diagnostics = split_front_matter(text, path)
    if not any(line.strip() for line in text.split("\n")[body_start - 1 :]):
        if not front_matter:
            raise SourceError(path, "file is empty")
        # a fresh `newsarchive new` file: not an error, just nothing to publish yet
        diagnostics.append(Diagnostic(body_start, "no text after the front matter yet; the issue is left out of the site"))
    return Source(
        path=path,
        text=text,
        encoding=encoding,
        front_matter=front_matter,
        body_start=body_start,
        content_hash=hashlib.sha256(data).hexdigest(),
        diagnostics=diagnostics,
    )
