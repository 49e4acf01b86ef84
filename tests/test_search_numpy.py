"""The numpy index builder writes exactly the bytes of the pure-Python reference.

`search_reference.build_range` builds a range with per-document Python loops;
swapped in for `search.build.build_range`, every written file must be
byte-identical: the five samples (with the real range size and with tiny ranges,
so lists are cut and merged across many ranges), a synthetic corpus from
benchmarks/make_corpus.py, and hand-made edge cases (empty texts, astral and
control characters, NULs, NFKC-folded letters, numbers needing 3 and 4 base-46
digits).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from newsarchive import search as S
from newsarchive.model import Article, Block, Issue
from newsarchive.search import build as B
from newsarchive.search import layout as L
from search_reference import build_range as reference_build_range
from search_reference import written

pytest.importorskip("numpy")

ROOT = Path(__file__).resolve().parents[1]


def stand_in_url(issue: Issue, article: Article) -> str:
    return f"{issue.date}/{issue.slug}/{article.number}.html"


def with_reference(write, *args, **kw):
    """`write(*args, **kw)` with every range built by the reference builder."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(B, "build_range", reference_build_range)
        return write(*args, **kw)


def assert_same_bytes(issues: list[Issue], tmp_path: Path, **kw) -> dict[str, bytes]:
    ref = with_reference(S.write_search_index, issues, tmp_path / "ref", stand_in_url, **kw)
    new = S.write_search_index(issues, tmp_path / "new", stand_in_url, **kw)
    a, b = written(tmp_path / "ref"), written(tmp_path / "new")
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []
    assert ref == new
    return a


@pytest.mark.parametrize("ranges", ["default", "tiny-ranges", "range-1"])
def test_samples_byte_identical(sample_issues, tmp_path, monkeypatch, ranges):
    if ranges == "tiny-ranges":
        monkeypatch.setattr(L, "RANGE", 4)
        monkeypatch.setattr(L, "BIG", 40)
    elif ranges == "range-1":
        monkeypatch.setattr(L, "RANGE", 1)
        monkeypatch.setattr(L, "BIG", 10)
    files = assert_same_bytes(list(sample_issues.values()), tmp_path)
    assert any(k.startswith("search/c/") for k in files) == (ranges != "default")


@pytest.fixture(scope="module")
def synthetic(toolkit, tmp_path_factory):
    from newsarchive.pipeline import discover_sources, parse_files

    out = tmp_path_factory.mktemp("corpus") / "articles"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "60", "--seed", "3", str(out)], check=True)
    result = parse_files(discover_sources(out), None, toolkit)
    assert len(result.issues) == 60 and not result.errors
    for n, article in enumerate(a for i in result.issues for a in i.articles):  # topic facets, without the tagger
        article.topics = [["防疫", "经济", "民生"][n % 3]] if n % 4 else []
    return result.issues


def test_synthetic_corpus_byte_identical(synthetic, tmp_path, monkeypatch):
    monkeypatch.setattr(L, "RANGE", 64)  # several ranges, big lists cut into chunks
    files = assert_same_bytes(synthetic, tmp_path)
    assert sum(1 for k in files if k.startswith("search/c/")) > 1


def test_synthetic_corpus_byte_identical_default_range(synthetic, tmp_path):
    assert_same_bytes(synthetic, tmp_path)


def test_cache_mixes_builders(synthetic, tmp_path, monkeypatch):
    """Cached ranges from one builder serve the other: the results are equal."""
    monkeypatch.setattr(L, "RANGE", 64)
    cache = tmp_path / "cache"
    with_reference(S.write_search_index, synthetic[:40], tmp_path / "a", stand_in_url, cache_dir=cache)
    st = S.write_search_index(synthetic, tmp_path / "b", stand_in_url, cache_dir=cache)
    assert 0 < st["ranges_rebuilt"] < st["ranges"]
    with_reference(S.write_search_index, synthetic, tmp_path / "c", stand_in_url)
    assert written(tmp_path / "b") == written(tmp_path / "c")


def edge_issues() -> list[Issue]:
    long_gap = "甲乙" + "，" * 100_000 + "甲乙丙" + "。" * 3000 + "甲乙"  # positions and gaps of 3 and 4 digits
    texts = [
        ("", ""),  # nothing at all
        ("标题", ""),
        ("", "无标题正文，正文。"),
        ("𠮷野家", "𠮷野家😀😀在𠮷野家吃饭，\x00\x01\x7f控制\u2028字符\ud800"[:-1]),
        ("ＡＢＣ全角", "ＡＢＣ１２３ abc123 Ａb ﬁ ① Ⅻ ǅ İstanbul ß ẞ"),
        ("重复", "哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈" * 50),
        ("长文", long_gap),
        ("引号", 'say "hi" \\ ok 「引」\t\n\r末尾'),
    ]
    issues = []
    for d in range(1, 4):
        arts = []
        for n, (title, body) in enumerate(texts, 1):
            arts.append(Article(id=f"a{n}", number=n, title=title or None, blocks=[Block("paragraph", body, (n, n))] if body else [], districts=["港闸区"] if n % 2 else []))
        issues.append(Issue(source=f"2021-01-0{d}-x.txt", slug=f"2021-01-0{d}-x", date=f"2021-01-0{d}", district="崇川区" if d == 2 else None, articles=arts))
    return issues


@pytest.mark.parametrize("rng", [1024, 3, 5, "argsort"])
def test_edge_cases_byte_identical(tmp_path, monkeypatch, rng):
    if rng == "argsort":  # the fallback for ranges too big to pack (bigram, row) into an int64
        monkeypatch.setattr(B, "PACK_LIMIT", 0)
    monkeypatch.setattr(L, "RANGE", rng if isinstance(rng, int) else 7)
    monkeypatch.setattr(L, "BIG", 200)
    issues = edge_issues()
    assert any(len(a.body_text) > 100_000 for i in issues for a in i.articles)
    assert_same_bytes(issues, tmp_path)


def test_empty_archive_identical(tmp_path):
    assert_same_bytes([], tmp_path)


def test_process_pool_same_bytes(synthetic, tmp_path, monkeypatch):
    """Ranges built by worker processes (numpy in each) give the same files."""
    monkeypatch.setattr(L, "RANGE", 128)  # inherited by forked workers
    with_reference(S.write_search_index, synthetic, tmp_path / "ref", stand_in_url)
    st = S.write_search_index(synthetic, tmp_path / "pool", stand_in_url, jobs=2)
    assert st["ranges"] > 1
    assert written(tmp_path / "ref") == written(tmp_path / "pool")


def test_building_the_index_leaves_numpy_ma_unimported(tmp_path):
    """`np.unique` and the set functions import numpy.ma on first use (~0.04 s of a
    one-issue rebuild's search child): the builder sorts and compares instead (`_distinct`)."""
    script = f"""
import sys
from pathlib import Path
from newsarchive import search as S
from newsarchive.model import Article, Issue
issues = [Issue(source=f"a/{{n}}.txt", slug=f"i{{n}}", date="2020-05-1" + str(n), content_key=f"k{{n}}", articles=[
    Article(id=f"i{{n}}-1", kind="article", title="港闸区疫情防控", number=1,
            blocks=[], districts=["港闸区"], topics=["防疫"])]) for n in range(3)]
S.write_search_index(issues, Path({str(tmp_path / "site")!r}), lambda i, a: f"{{i.slug}}/{{a.number}}.html",
                     cache_dir=Path({str(tmp_path / "cache")!r}))
print("numpy.ma" in sys.modules, "numpy.core" in sys.modules or "numpy._core" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]  # numpy was used, numpy.ma never imported
