"""Search index: exact recall/precision against a substring scan, encodings, determinism, cache.

`reference_search` below reads the written index files the way static/search.js
does (same buckets, same decoding, same adjacency check), so a wrong list, a
wrong bucket or a wrong merge of ranges shows up here without a browser.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from newsarchive import search as S
from newsarchive.model import Article, Block, Issue

QUERIES = [
    "核酸采样", "疫情防控", "胡拥军", "区委书记", "复工复产", "港闸", "崇川区", "志愿者",
    "一企一策", "2020", "口罩", "党员", "采样点", "幸福街道", "零排放", "书记", "企业",
]


def stand_in_url(issue: Issue, article: Article) -> str:
    return f"{(issue.date or '0000-00-00').replace('-', '/')}/{issue.slug or Path(issue.source).stem}/{article.number}.html"


def load_index(out: Path) -> dict:
    store = {}
    for f in (out / "search").rglob("*.js"):
        m = re.fullmatch(r'window\.__naSearch\.add\(("[^"]*"),(.*)\);\n', f.read_text("utf-8"), re.S)
        assert m, f
        store[json.loads(m.group(1))] = json.loads(m.group(2))
    return store


def plist(s: str, base: int) -> dict[int, list[int]]:
    n, out, d, i = S.dec_nums(s), {}, base, 0
    while i < len(n):
        v = n[i]
        d += (v >> 1) + 1
        tf, i = (n[i + 1], i + 2) if v & 1 else (1, i + 1)
        ps, p = [], 0
        for j in range(tf):
            p += n[i + j]
            ps.append(p)
        out[d] = ps
        i += tf
    return out


def flist(s: str, base: int) -> dict[int, list[int]]:
    out, d = {}, base
    for gap in S.dec_nums(s):
        d += gap + 1
        out[d] = []
    return out


def grams(term: str) -> list[tuple[str, int]]:
    t = S.normalize(term)
    return [(t[i : i + 2], i) for i in range(len(t) - 1) if S.is_word(t[i]) and S.is_word(t[i + 1])]


def body_list(store: dict, key: str) -> dict[int, list[int]]:
    man = store["manifest"]
    v = store[f"p/{S.fnv(key) % man['buckets']}"].get(key)
    if v is None:
        return {}
    dec = flist if key.startswith("#") else plist
    if isinstance(v, str):
        return dec(v, -1)
    out = {}
    for r in v[1:]:
        chunk = store[f"c/{r}/{S.fnv(key) % man['cbuckets'][r]}"][key]
        out.update(dec(chunk, r * man["range"] - 1))
    return out


def reference_search(store: dict, query: str, prefix: str = "p") -> set[int]:
    """Docs holding every whitespace-separated term (each an exact phrase)."""
    hits = None
    for term in query.split():
        gs = grams(term)
        if prefix == "t":
            tb = store["manifest"]["tbuckets"]
            lists = [plist(store[f"t/{S.fnv(k) % tb}"].get(k, ""), -1) for k, _ in gs]
        else:
            lists = [body_list(store, k) for k, _ in gs]
        found = set()
        for doc, ps in lists[0].items():
            if all(doc in lst for lst in lists[1:]):
                for p in ps:
                    if all(p + o in lists[j][doc] for j, (_, o) in enumerate(gs) if j):
                        found.add(doc)
                        break
        hits = found if hits is None else hits & found
    return hits or set()


def doc_order(issues: list[Issue]) -> list[tuple[Issue, Article]]:
    return [(i, a) for i in sorted(issues, key=lambda i: (i.date or "", i.source)) for a in sorted(i.articles, key=lambda a: a.number)]


def scan(issues: list[Issue], query: str, field=lambda a: a.body_text) -> set[int]:
    return {
        d for d, (_, a) in enumerate(doc_order(issues))
        if all(S.normalize(t) in S.normalize(field(a)) for t in query.split())
    }


def make_issue(date: str, texts: list[tuple[str, str]], district: str = "港闸区", source: str | None = None) -> Issue:
    arts = [
        Article(id=f"a{n}", number=n, title=title, blocks=[Block("paragraph", body, (n, n))], districts=[district])
        for n, (title, body) in enumerate(texts, 1)
    ]
    return Issue(source=source or f"{date}-x.txt", slug=f"{date}-x", date=date, district=district, articles=arts)


@pytest.fixture(scope="module")
def samples(sample_issues):
    return list(sample_issues.values())


@pytest.fixture(params=["default", "tiny-ranges"])
def built(request, samples, tmp_path, monkeypatch):
    if request.param == "tiny-ranges":  # many ranges, most lists cut into chunks
        monkeypatch.setattr(S, "RANGE", 4)
        monkeypatch.setattr(S, "BIG", 40)
    stats = S.write_search_index(samples, tmp_path, stand_in_url, workers=1)
    return stats, load_index(tmp_path)


def test_numbers_and_text_roundtrip():
    for n in [0, 1, 45, 46, 2115, 2116, 97335, 97336, 10**9]:
        assert S.dec_nums(S.enc_num(n)) == [n]
    text = "核酸采样，区委书记。\n2020年 A-b_c\t“引号”《书》𠮷😀\u3000①"
    assert S.decode_text(S.encode_text(text)) == text
    assert '"' not in S.encode_text('a"b\\c') or True
    enc = S.encode_text('say "hi" \\ ok')
    assert '"' not in enc and "\\" not in enc and S.decode_text(enc) == 'say "hi" \\ ok'


def test_fnv_known_value():
    # the same value is checked in the browser test against search.js
    assert S.fnv("核酸") == S.fnv("核酸") and S.fnv("核酸") != S.fnv("酸核")
    assert S.fnv("ab") == 0x4D2505CA


@pytest.mark.parametrize("query", QUERIES)
def test_recall_and_precision_match_substring_scan(built, samples, query):
    _, store = built
    assert reference_search(store, query) == scan(samples, query)


def test_multi_term_and(built, samples):
    _, store = built
    both = reference_search(store, "核酸 采样点")
    assert both == scan(samples, "核酸") & scan(samples, "采样点") and both


def test_title_index(built, samples):
    _, store = built
    for q in ["疫情防控", "采样点", "复工复产"]:
        title_hits = reference_search(store, q, prefix="t")
        assert title_hits == scan(samples, q, field=S.title_prefix)
        assert title_hits, q


def test_adjacency_is_checked(tmp_path):
    issues = [
        make_issue("2021-01-01", [("会议", "区委召开会议，书记讲话。区委委员书记处。"), ("区委书记调研", "区委书记到企业调研。")]),
        make_issue("2021-01-02", [("其他", "书记区委")]),
    ]
    S.write_search_index(issues, tmp_path, stand_in_url)
    store = load_index(tmp_path)
    assert reference_search(store, "区委书记") == {1}
    assert reference_search(store, "区委 书记") == {0, 1, 2}
    assert reference_search(store, "区委书记", prefix="t") == {1}


def test_manifest_facets_and_meta(built, samples):
    stats, store = built
    man = store["manifest"]
    assert man["docs"] == stats["docs"] == sum(len(i.articles) for i in samples)
    years = dict(man["facets"]["year"])
    assert set(years) == {i.date[:4] for i in samples}
    order = doc_order(samples)
    for d, (issue, art) in enumerate(order):
        per = store["manifest"]["meta"]
        m = store[f"m/{d // per}"][d % per]
        assert m["u"] == stand_in_url(issue, art) and m["t"] == art.display_title and m["d"] == issue.date
        text = "".join(S.decode_text(store[f"d/{d}-{p}"])[: S.PART] for p in range((len(art.body_text) - 1) // S.PART + 1))
        assert text == art.body_text
    y = sorted(years)[0]
    assert set(body_list(store, "#y" + y)) == {d for d, (i, _) in enumerate(order) if i.date.startswith(y)}


def test_deterministic_and_skips_unchanged_files(samples, tmp_path):
    a = S.write_search_index(samples, tmp_path / "a", stand_in_url)
    S.write_search_index(list(reversed(samples)), tmp_path / "b", stand_in_url)
    files_a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*.js")}
    files_b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*.js")}
    assert files_a == files_b
    again = S.write_search_index(samples, tmp_path / "a", stand_in_url)
    assert again["written"] == 0 and a["written"] == a["shards"]


def test_cache_rebuilds_only_touched_ranges(tmp_path, monkeypatch):
    monkeypatch.setattr(S, "RANGE", 2)
    issues = [make_issue(f"2021-01-{d:02d}", [(f"标题{d}", f"第{d}天核酸采样"), ("其他", "疫情防控")]) for d in range(1, 7)]
    cache = tmp_path / "cache"
    first = S.write_search_index(issues, tmp_path / "o1", stand_in_url, cache_dir=cache, workers=1)
    assert first["ranges"] == 6 and first["ranges_rebuilt"] == 6
    same = S.write_search_index(issues, tmp_path / "o2", stand_in_url, cache_dir=cache, workers=1)
    assert same["ranges_rebuilt"] == 0
    assert load_index(tmp_path / "o1") == load_index(tmp_path / "o2")
    newer = issues + [make_issue("2021-02-01", [("新", "新的核酸采样点")], source="2021-02-01-y.txt")]
    grown = S.write_search_index(newer, tmp_path / "o3", stand_in_url, cache_dir=cache, workers=1)
    assert grown["ranges_rebuilt"] == 1
    fresh = S.write_search_index(newer, tmp_path / "o4", stand_in_url, workers=1)
    assert load_index(tmp_path / "o3") == load_index(tmp_path / "o4")
    assert reference_search(load_index(tmp_path / "o3"), "核酸采样") == {0, 2, 4, 6, 8, 10, 12}
    assert fresh["docs"] == 13


def test_empty_archive(tmp_path):
    stats = S.write_search_index([], tmp_path, stand_in_url)
    assert stats["docs"] == 0 and (tmp_path / "search" / "manifest.js").exists()
