"""The vectorised pieces of the index builder against their plain-Python meaning.

`postings.best_k` (exact Rice parameter per group), `postings.pack_bits` (words of
any length, escapes with long leading zeros), `text.units_many` (many payloads as
code units at once) and ranges built by worker processes must give exactly what
the reference code (`search_reference`) gives.
"""
from __future__ import annotations

import random

import pytest

np = pytest.importorskip("numpy")

import search_reference as ref  # noqa: E402
from newsarchive import search as S  # noqa: E402
from newsarchive.model import Article, Block, Issue  # noqa: E402
from newsarchive.search import layout as L  # noqa: E402
from newsarchive.search import postings as P  # noqa: E402
from newsarchive.search import text as T  # noqa: E402


def test_best_k_matches_reference():
    rng = random.Random(5)
    groups = []
    for _ in range(400):
        n = rng.choice([0, 0, 1, 2, 3, 10, 50])
        scale = rng.choice([1, 4, 30, 1000, 70000, 2**35])
        groups.append([rng.randrange(scale) for _ in range(n)])
    counts = np.array([len(g) for g in groups], dtype=np.int64)
    values = np.array([v for g in groups for v in g], dtype=np.int64)
    assert P.best_k(values, counts).tolist() == [ref.best_k(g) for g in groups]


def test_pack_bits_matches_reference_bits():
    rng = random.Random(7)
    bits = ref.Bits()
    val, nb = [], []
    for _ in range(3000):
        kind = rng.random()
        if kind < 0.6:  # a rice code, escapes included
            v, k = rng.randrange(rng.choice([10, 1000, 10**6, 2**40])), rng.randrange(16)
            bits.rice(v, k)
            w, b = P.rice(np.array([v], dtype=np.int64), np.array([k], dtype=np.int64))
            val.append(int(w[0]))
            nb.append(int(b[0]))
        else:  # a plain word of up to 63 bits, or nothing
            b = rng.randrange(64)
            v = rng.randrange(1 << b) if b else 0
            bits.put(v, b)
            val.append(v)
            nb.append(b)
    pad = -sum(nb) % 8
    val.append(0)
    nb.append(pad)
    got = P.pack_bits(np.array(val, dtype=np.int64), np.array(nb, dtype=np.int16)).tobytes()
    assert got == bits.to_bytes()


def test_units_many_matches_to_units():
    rng = random.Random(3)
    chunks = [bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 2, 5, 6, 46, 47, 48, 93, 94, 95, 200]))) for _ in range(300)]
    chunks.append(b"\xff" * 4700)
    data, spans = T.units_many(chunks)
    for c, (a, b) in zip(chunks, spans):
        units = data[a:b].decode("utf-16-le")
        assert units == ref.to_units(c) and len(units) == S.unit_count(len(c))
        assert S.from_units(units)[: len(c)] == c


def stand_in_url(issue: Issue, article: Article) -> str:
    return f"{issue.date}/{issue.slug}/{article.number}.html"


def many_issues(n: int) -> list[Issue]:
    rng = random.Random(11)
    words = ["核酸采样", "疫情防控", "区委书记", "志愿者", "复工复产", "港闸区", "幸福街道", "2020年", "企业", "党员"]
    issues = []
    for d in range(n):
        arts = [Article(id=f"a{k}", number=k, title=rng.choice(words) + str(k),
                        blocks=[Block("paragraph", "，".join(rng.choice(words) for _ in range(rng.randrange(1, 60))), (k, k))],
                        districts=[rng.choice(["港闸区", "崇川区"])] if k % 2 else [], topics=["防疫"] if k % 3 == 0 else [])
                for k in range(1, 5)]
        issues.append(Issue(source=f"2021-{1 + d // 28:02d}-{1 + d % 28:02d}-x.txt", slug=f"i{d}", date=f"2021-{1 + d // 28:02d}-{1 + d % 28:02d}", articles=arts))
    return issues


def reference_index(monkeypatch, issues, out):
    with monkeypatch.context() as mp:
        ref.reference_builder(mp)
        S.write_search_index(issues, out, stand_in_url)
    return ref.written(out)


def test_ranges_built_by_workers_same_bytes_as_reference(tmp_path, monkeypatch):
    monkeypatch.setattr(L, "RANGE", 16)
    monkeypatch.setattr(L, "BIG", 64)
    issues = many_issues(40)
    a = reference_index(monkeypatch, issues, tmp_path / "ref")
    st = S.write_search_index(issues, tmp_path / "pool", stand_in_url, jobs=2)
    assert st["ranges"] > 4
    assert any(str(k).startswith("search/c/") for k in a)
    assert a == ref.written(tmp_path / "pool")


@pytest.mark.parametrize("meta", [16, 5])
def test_meta_constant_any_value(tmp_path, monkeypatch, meta):
    monkeypatch.setattr(L, "RANGE", 16)
    monkeypatch.setattr(L, "META", meta)
    issues = many_issues(12)
    a = reference_index(monkeypatch, issues, tmp_path / "ref")
    S.write_search_index(issues, tmp_path / "new", stand_in_url)
    assert a == ref.written(tmp_path / "new")
