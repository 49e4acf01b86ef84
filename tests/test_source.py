"""Reading files: encodings, front matter, clear errors."""
from __future__ import annotations

import pytest

from newsarchive.model import SourceError
from newsarchive.source import date_from_filename, slug_for, source_from_bytes

TEXT = "港闸区人大常委会公告\n\n南通市港闸区第十届人民代表大会常务委员会第三十二次会议决定。\n"


@pytest.mark.parametrize(
    "encode, name",
    [
        (lambda t: t.encode("utf-8"), "utf-8"),
        (lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"), "utf-8-sig"),
        (lambda t: t.encode("utf-16"), "utf-16-le"),
        (lambda t: t.encode("gb18030"), "gb18030"),
        (lambda t: t.encode("gbk"), "gb18030"),
        (lambda t: t.encode("utf-16-le"), "utf-16-le"),
    ],
)
def test_decodes_what_editors_save(encode, name):
    source = source_from_bytes(encode(TEXT), "x.txt")
    assert source.text.replace("\r", "") == TEXT
    assert source.encoding == name


def test_crlf_normalised():
    assert "\r" not in source_from_bytes(TEXT.replace("\n", "\r\n").encode(), "x.txt").text


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (bytes(range(256)) * 3, "binary"),
        (b"\xff\xfe\x00\xd8", "utf-16"),
    ],
)
def test_unreadable_files_raise_with_file_name(data, message):
    with pytest.raises(SourceError) as err:
        source_from_bytes(data, "articles/bad.txt")
    assert str(err.value).startswith("articles/bad.txt")
    assert message in str(err.value).lower()


def test_front_matter_parsed_and_errors_carry_line():
    source = source_from_bytes("---\npublication: 港闸报\ndate: 2020-05-19\npage: 2\n---\n标题\n".encode(), "x.txt")
    assert source.front_matter["publication"] == "港闸报"
    assert source.body_start == 6
    with pytest.raises(SourceError) as err:
        source_from_bytes("---\npublication: 港闸报\ndate: [2020\n---\n标题\n".encode(), "x.txt")
    assert err.value.line == 3
    with pytest.raises(SourceError):
        source_from_bytes("---\npublication: 港闸报\n标题\n".encode(), "x.txt")


def test_unknown_front_matter_key_is_a_warning():
    source = source_from_bytes("---\ndat: 2020-05-19\n---\n标题\n".encode(), "x.txt")
    assert source.diagnostics and source.diagnostics[0].line == 2


def test_path_facts():
    assert date_from_filename("articles/2020-05-15-gangzha-1.txt") == "2020-05-15"
    assert date_from_filename("articles/000_dd062e28a5bc7877.txt") is None
    assert slug_for("articles/000_dd062e28a5bc7877.txt") == "000-dd062e28a5bc7877"
    assert slug_for("articles/港闸报.txt").isascii()


def test_front_matter_without_text_is_a_warning_not_an_error():
    source = source_from_bytes("---\ndate: 2020-05-19\n---\n\n".encode(), "x.txt")
    assert "no text" in source.diagnostics[0].message
