"""Read an issue file: bytes → text, YAML front matter, facts from its path.

Editors' tools save in whatever encoding Windows or a phone gives them, so the
decoder tries the byte-order marks, then strict UTF-8, then GB18030 (a superset
of GBK/GB2312), and only then asks charset-normalizer. Anything that still
does not look like text is refused with a message naming the file, never
decoded into mojibake.

Sources are hostile input (issue 21): what is read is what lives under the
source folder (`discover`: a symlink out of it, or a loop, is an error line),
every size that could make a build hang or crash has a stated limit
(`MAX_FILE_BYTES`, `MAX_FRONT_MATTER_BYTES`, no YAML aliases, `MAX_SLUG`), and
invisible control characters are taken out of the text with a warning
(`strip_controls`).
"""
from __future__ import annotations

import codecs
import hashlib
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from .model import Diagnostic, Source, SourceError

#: an issue file is one newspaper page (~15 KB): a larger one is refused, not read
MAX_FILE_BYTES = 20 * 1024 * 1024
#: the front matter is a few `key: value` lines
MAX_FRONT_MATTER_BYTES = 64 * 1024
#: a slug is a folder name in the site: longer ones are cut, with a hash of the whole kept unique
MAX_SLUG = 80

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
        text = data.decode("utf-8")
        if _wide_page_share(text) >= 0.5:
            return text, "utf-8"
        gb = _gb18030_or_empty(data)
        if not gb or _wide_page_share(gb) < 0.95:
            return text, "utf-8"
        # a few GB18030 bytes can also be valid UTF-8 (`一` → `һ`): take the reading that is a page
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
    """UTF-16 without a BOM shows NULs in every other byte for ASCII and newlines, and in
    the other half for characters U+xx00 (开, 一): of the two byte orders, the one that
    decodes to text made (nearly) only of what a Chinese page holds."""
    if len(data) < 4 or len(data) % 2 or b"\x00" not in data:
        return None
    best, score = None, 0.0
    for name in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        share = _page_share(text)
        if share > score:
            best, score = name, share
    return best if score >= 0.95 else None


#: what a page of Chinese text is made of: ASCII text, CJK ideographs and punctuation,
#: general punctuation, full-width forms (random bytes read as UTF-16 are mostly not)
_PAGE_CHARS = re.compile("[\t\n\r\x20-\x7e\u00a0-\u00ff\u2000-\u206f\u2100-\u27ff\u3000-\u303f"
                         "\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _page_share(text: str) -> float:
    return len(_PAGE_CHARS.findall(text)) / len(text) if text else 0.0


#: the characters beyond ASCII that `_PAGE_CHARS` leaves out
_ODD_WIDE = re.compile("[\u0080-\u009f\u0100-\u1fff\u2070-\u20ff\u2800-\u2fff\u3040-\u33ff\u4dc0-\u4dff"
                       "\ua000-\ufeff\ufff0-\U0010ffff]")


def _wide_page_share(text: str) -> float:
    """Of the characters beyond ASCII, the share a Chinese page is made of (1.0 when there are none).
    Counted by the codecs and one scan for the rare odd characters, not character by character."""
    if text.isascii():
        return 1.0
    wide = len(text) - len(text.encode("ascii", "ignore"))
    return (wide - len(_ODD_WIDE.findall(text))) / wide


def _gb18030_or_empty(data: bytes) -> str:
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return ""


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
    if len(raw.encode("utf-8")) > MAX_FRONT_MATTER_BYTES:
        raise SourceError(path, f"front matter is larger than {MAX_FRONT_MATTER_BYTES // 1024} KB: "
                                "only `key: value` lines belong there, the text goes after the second '---'", first + 1)
    diagnostics = []
    data = _load_front_matter(raw, path, first + 2, diagnostics)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SourceError(path, "front matter must be a mapping of `key: value` lines", first + 2)
    for key in data:
        if str(key) not in FRONT_MATTER_KEYS:
            line = next((i + 1 for i in range(first + 1, end) if lines[i].lstrip().startswith(f"{key}:")), first + 1)
            diagnostics.append(Diagnostic(line, f"unknown front matter field '{key}' (known: {', '.join(sorted(FRONT_MATTER_KEYS))})"))
    fields = {str(k): v for k, v in data.items()}
    if isinstance(fields.get("slug"), str):
        fields["slug"] = clamp_name(fields["slug"])
    return fields, end + 2, diagnostics


@lru_cache(maxsize=1)
def _front_matter_loader():
    """The safe loader without aliases (`*name` can expand a few lines into gigabytes:
    a front matter never needs one) and with duplicate keys reported, not silently
    overwritten (`duplicates`: (line in the YAML, key)). Made on first use: PyYAML is
    imported only when a file is parsed (a no-op build reads none)."""
    import yaml

    class FrontMatterLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                raise yaml.YAMLError(_AliasRefused(self.peek_event().start_mark.line))
            return super().compose_node(parent, index)

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _value in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                if key is not None and key in seen:
                    self.duplicates.append((key_node.start_mark.line, key))
                seen.add(key)
            return super().construct_mapping(node, deep)

    return FrontMatterLoader


#: front matter made of plain `key: value` lines (a date, a number, a name: no YAML syntax
#: beyond the colon), each key once, reads to the same values with PyYAML's C parser, in a
#: fraction of the time; any other goes to the pure-Python loader above, which refuses
#: aliases, names duplicate keys and words every error
_PLAIN_LINE = r"(?:[a-z_]+: +\w[\w .\-/()（）、，。·—]*)?"
_PLAIN_FRONT_MATTER = re.compile(rf"{_PLAIN_LINE}(?:\n{_PLAIN_LINE})*")
_PLAIN_KEY = re.compile(r"^([a-z_]+):", re.MULTILINE)


def _plain_front_matter(raw: str):
    """The mapping of a plain front matter (see `_PLAIN_FRONT_MATTER`), else None."""
    import yaml

    fast_loader = getattr(yaml, "CSafeLoader", None)
    if fast_loader is None or not _PLAIN_FRONT_MATTER.fullmatch(raw):
        return None
    keys = _PLAIN_KEY.findall(raw)
    if len(set(keys)) != len(keys):
        return None
    loader = fast_loader(raw)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return data if isinstance(data, dict) else None


class _AliasRefused(Exception):
    def __init__(self, line: int):
        self.line = line


def _load_front_matter(raw: str, path: str, line0: int, diagnostics: list[Diagnostic]):
    """The YAML between the `---` lines (`line0`: the file line of its first line)."""
    import yaml

    if not raw.strip():
        return {}
    plain = _plain_front_matter(raw)
    if plain is not None:
        return plain
    loader = _front_matter_loader()(raw)
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        refused = exc.args[0] if exc.args and isinstance(exc.args[0], _AliasRefused) else None
        if refused is not None:
            raise SourceError(path, "broken front matter: YAML aliases (`*name`) are not allowed here; "
                                    "write the value itself", line0 + refused.line) from None
        mark = getattr(exc, "problem_mark", None)
        line = line0 + mark.line if mark is not None else line0 - 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SourceError(path, f"broken front matter: {problem}", line) from None
    except RecursionError:
        raise SourceError(path, "broken front matter: nested too deeply", line0) from None
    finally:
        loader.dispose()
    for line, key in loader.duplicates:
        diagnostics.append(Diagnostic(line0 + line, f"front matter field '{key}' is given twice: the last one is used"))
    return data


def clamp_name(value: str, limit: int = MAX_SLUG) -> str:
    """`value` cut to `limit` characters for use in a file name, the cut ones replaced by a
    hash of the whole (two long values alike up to the cut stay apart)."""
    if len(value) <= limit:
        return value
    digest = hashlib.blake2s(value.encode("utf-8", "surrogatepass"), digest_size=5).hexdigest()
    return f"{value[: limit - len(digest) - 1]}-{digest}"


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
    return source_from_bytes(read_limited(path, shown), shown)


def read_limited(path: Path | str, shown: str) -> bytes:
    """The bytes of an issue file, or SourceError: unreadable, or over `MAX_FILE_BYTES`
    (read no further than that: a huge file, or a device, never fills the memory)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SourceError(shown, f"cannot read: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(shown, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, the limit for one issue "
                                 "file (one newspaper page is ~15 KB): split it into pages")
    return data


#: invisible characters that change how text shows without being text: C0/C1 controls
#: (ESC…) but tab and newline, zero-width characters, bidirectional overrides (U+202E)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
                       "\u2060-\u206f\ufeff\ufff9-\ufffb]")
#: at most this many lines get a warning of their own
_CONTROL_WARNINGS = 5


def strip_controls(text: str) -> tuple[str, list[Diagnostic]]:
    """`text` without `_CONTROLS`, and a warning per line that had some. They are not
    text an editor wrote: they go nowhere (the warnings say which were where), and the
    parser's accounting counts the text as returned here."""
    if not _CONTROLS.search(text):
        return text, []
    lines = text.split("\n")
    diagnostics = []
    for number, line in enumerate(lines, 1):
        found = _CONTROLS.findall(line)
        if not found:
            continue
        lines[number - 1] = _CONTROLS.sub("", line)
        if len(diagnostics) < _CONTROL_WARNINGS:
            names = ", ".join(sorted({f"U+{ord(c):04X}" for c in found}))
            diagnostics.append(Diagnostic(number, f"removed {len(found)} invisible control character(s) ({names})"))
    return "\n".join(lines), diagnostics


def source_from_bytes(data: bytes, path: str) -> Source:
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(path, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, the limit for one issue file")
    text, encoding = decode_bytes(data, path)
    text = normalise_newlines(text)
    if text.startswith("\ufeff"):
        text = text[1:]
    text, stripped = strip_controls(text)
    front_matter, body_start, diagnostics = split_front_matter(text, path)
    diagnostics = stripped + diagnostics
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


def shown_path(path: str) -> str:
    """`path` for a one-line message: control characters (a newline in a file name)
    written as escapes, so `file:line: …` stays one line."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), path)


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def discover(src: Path, suffixes: tuple[str, ...]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Issue files below `src` in a stable order (URLs must not depend on build order),
    and (path, why) of those refused: a symlink leading out of `src` (a link to
    /etc/passwd committed to the repository would be published), a loop, a broken link.
    A symlink within `src` is read; folders are not followed through symlinks."""
    if src.is_file():
        return [src], []
    root = os.path.realpath(src)
    found: list[tuple[str, Path]] = []  # (path below src, path)
    refused: list[tuple[Path, str]] = []
    pending = [(src, "")]
    while pending:
        folder, below = pending.pop()
        try:
            listing = list(os.scandir(folder))
        except OSError:
            continue
        for item in listing:
            if item.name.startswith("."):
                continue
            if item.is_dir(follow_symlinks=False):
                pending.append((folder / item.name, below + item.name + "/"))
            elif os.path.splitext(item.name)[1].lower() in suffixes:
                why = _refused_link(item, root) if item.is_symlink() else None
                if why is not None:
                    refused.append((folder / item.name, why))
                elif item.is_file():
                    found.append((below + item.name, folder / item.name))
    return [path for _, path in sorted(found, key=lambda pair: pair[0])], refused


def _refused_link(item: os.DirEntry, root: str) -> str | None:
    """Why the symlink `item` is not read as a source, or None when it may be."""
    try:
        target = os.path.realpath(item.path, strict=True)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return "symlink loop: skipped"
        return "broken symlink (its target does not exist): skipped"
    if os.path.commonpath([root, target]) != root:
        return "symlink to a file outside the source folder: skipped, only what lives under it is published"
    return None
