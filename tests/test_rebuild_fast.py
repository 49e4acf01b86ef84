"""Pieces of the fast one-issue rebuild, each against the long way it replaces
(the builds themselves are compared with cold builds in test_incremental.py):
jieba's IDF table read from the cache folder (`tagging.keywords.SortedIDF`),
keywords ranked from the weights a parse child hands over
(`tagging.KeywordWeights`), and sources found and shown without resolving
every path.
"""
from __future__ import annotations

from newsarchive.pipeline import discover_sources, display_path, display_paths


def test_sorted_idf_is_jiebas_table():
    import random

    from newsarchive.tagging.keywords import JiebaIDF, SortedIDF

    plain = JiebaIDF()
    table = SortedIDF.of(plain)
    words = [w.decode("utf-8") for w in random.Random(7).sample(sorted(plain._raw), 2000)]
    words += ["截污纳管", "工作", "CSO", "", "不在词表里的词"]
    assert all(table[w] == plain[w] and (w in table) == (w in plain) for w in words)
    assert table.median == plain.median and table.exact_median() == plain.exact_median()


def test_sorted_idf_is_kept_in_the_cache_folder(tmp_path):
    from newsarchive.tagging.keywords import JiebaIDF, SortedIDF, load_jieba_idf

    assert isinstance(load_jieba_idf(tmp_path), JiebaIDF)  # nothing stored yet: read the text table
    SortedIDF.store(tmp_path)
    stored = load_jieba_idf(tmp_path)
    assert isinstance(stored, SortedIDF) and stored["工作"] == JiebaIDF()["工作"]
    whole = SortedIDF.file(tmp_path).read_bytes()
    for broken in (b"broken", b"", whole[:-1], whole[:40]):  # (cut files too)
        SortedIDF.file(tmp_path).write_bytes(broken)
        assert isinstance(load_jieba_idf(tmp_path), JiebaIDF)


def test_sorted_idf_from_the_cache_folder_is_the_table_it_was_made_from(tmp_path):
    import random

    from newsarchive.tagging.keywords import JiebaIDF, SortedIDF

    SortedIDF.store(tmp_path)
    plain, mapped = JiebaIDF(), SortedIDF.load(tmp_path)
    words = [w.decode("utf-8") for w in random.Random(3).sample(sorted(plain._raw), 2000)]
    words += ["截污纳管", "工作", "CSO", "", "不在词表里的词", "\U0010ffff"]
    assert all(mapped[w] == plain[w] and (w in mapped) == (w in plain) for w in words)
    assert mapped.median == plain.median and mapped.exact_median() == plain.exact_median()


def test_a_damaged_idf_table_is_dropped_and_jiebas_own_read_instead(tmp_path, capsys):
    """The table is a cache file like any other: one flipped byte fails its checksum."""
    from newsarchive.tagging.keywords import JiebaIDF, SortedIDF, load_jieba_idf

    SortedIDF.store(tmp_path)
    path = SortedIDF.file(tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))
    assert isinstance(load_jieba_idf(tmp_path), JiebaIDF)
    assert "cache file" in capsys.readouterr().err and not path.exists()


def test_keywords_from_handed_over_weights_equal_the_taggers(toolkit, sample_issues):
    import copy

    from newsarchive.tagging import assign_keywords

    tagger = toolkit.tagger
    issues = [copy.deepcopy(i) for i in sample_issues.values()]
    table = tagger.assign_keywords(issues)
    expected = [[a.keywords for a in i.articles] for i in issues]
    weights = tagger.keyword_weights([a.term_counts for i in issues for a in i.articles])
    assert len(weights.idf) < 5000  # only the words of these articles
    for issue in issues:
        for article in issue.articles:
            article.keywords = []
    assign_keywords(issues, table, lambda a: a.term_counts, weights)
    assert [[a.keywords for a in i.articles] for i in issues] == expected


def test_sources_are_found_and_shown_as_before(tmp_path):
    src = tmp_path / "articles"
    (src / "sub" / "deeper").mkdir(parents=True)
    (src / ".hidden").mkdir()
    for rel in ("b.txt", "a.TXT", "c.md", "d.text", "e.html", "sub/x.txt", "sub/deeper/y.txt", ".hidden/z.txt", ".dot.txt"):
        (src / rel).write_text("x", encoding="utf-8")
    (tmp_path / "outside.txt").write_text("x", encoding="utf-8")
    (src / "link.txt").symlink_to(tmp_path / "outside.txt")  # refused since issue 21 (see test_hostile.py)
    (src / "inside.txt").symlink_to(src / "sub" / "x.txt")
    refused = []
    found = discover_sources(src, refused)
    assert [p.relative_to(src).as_posix() for p in found] == [
        "a.TXT", "b.txt", "c.md", "d.text", "inside.txt", "sub/deeper/y.txt", "sub/x.txt"]
    assert [e.path for e in refused] == [(src / "link.txt").as_posix()]
    for root in (tmp_path, src, tmp_path / "elsewhere", None):
        assert display_paths(found, root) == [display_path(p, root) for p in found]


def test_the_main_process_of_a_small_rebuild_imports_only_what_it_uses():
    """multiprocessing (~0.01 s) is for parallel stages only, the search module (~0.015 s)
    for a search index built in this process: a one-issue rebuild's main process (whose
    imports are on its critical path) uses neither."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import newsarchive.cli, newsarchive.pipeline, newsarchive.output\n"
        "from newsarchive.site import load_settings, render_site\n"
        "from newsarchive.site.urls import article_url\n"
        "from newsarchive.tagging import assign_keywords, keyword_reference, data_version\n"
        "print(sorted(m for m in ('multiprocessing', 'newsarchive.search', 'numpy') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_large_archives_build_keeps_the_idf_table_for_the_next_one(tmp_path):
    """A build of a large archive leaves jieba's IDF table sorted in the cache folder, so the
    next build reads it instead of parsing idf.txt; a small archive's build does not pay for it."""
    from newsarchive.pipeline import Dictionaries
    from newsarchive.tagging.keywords import SortedIDF, load_jieba_idf

    dictionaries = Dictionaries(None, tmp_path)
    dictionaries.keep_tables(10_000)  # nothing loaded, nothing to keep
    assert not SortedIDF.file(tmp_path).exists()
    dictionaries.get()
    dictionaries.keep_tables(Dictionaries.KEEP_TABLES_FROM - 1)
    assert not SortedIDF.file(tmp_path).exists()
    dictionaries.keep_tables(Dictionaries.KEEP_TABLES_FROM)
    kept = load_jieba_idf(tmp_path)
    assert isinstance(kept, SortedIDF) and kept["工作"] == dictionaries.get().tagger.jieba_idf["工作"]
