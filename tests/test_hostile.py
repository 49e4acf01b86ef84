"""Hostile and broken input (issue 21): one error line each, nothing leaked, the old site kept whole.

Each case of the issue's table is a test here. A build that fails at any point
leaves the previous site byte-identical, and the next build equals a clean one.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive.cli import main
from newsarchive.model import SourceError
from newsarchive.output import MANIFEST
from newsarchive.pipeline import BUILD_RECORD, build
from newsarchive.source import MAX_SLUG, source_from_bytes

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "articles").glob("*.txt"))[:2]
SECRET = "root:x:0:0:"


def archive(root: Path) -> Path:
    articles = root / "articles"
    articles.mkdir(parents=True)
    for path in SAMPLES:
        shutil.copy(path, articles / path.name)
    return articles


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def site_files(folder: Path) -> dict[str, bytes]:
    """`files` but the build's own records (the manifest's page keys and the record's fingerprint
    differ between a cached and a clean build by design, see test_incremental.py)."""
    return {p: data for p, data in files(folder).items() if p not in (BUILD_RECORD, MANIFEST)}


def assert_as_clean(root: Path, out: Path, **kw) -> None:
    """`out` holds byte for byte what a clean `--no-cache` build of the same input makes."""
    clean = root.parent / f"{root.name}-clean"
    shutil.rmtree(clean, ignore_errors=True)
    build(root / "articles", clean, root=root, use_cache=False, **kw)
    got, want = site_files(out), site_files(clean)
    assert sorted(got) == sorted(want)
    assert [p for p in got if got[p] != want[p]] == []
    shutil.rmtree(clean)


def cli(root: Path, *args: str):
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        os.chdir(cwd)


def one_line_errors(result) -> list[str]:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.output
    return [line for line in lines if ": error: " in line]


# -- sources are what lives under the source folder --------------------------------------
def test_symlink_out_of_the_source_folder_is_refused_not_published(tmp_path):
    articles = archive(tmp_path)
    (articles / "passwd.txt").symlink_to("/etc/passwd")
    result = cli(tmp_path, "build", "-q")
    assert result.exit_code == 1
    assert [line for line in one_line_errors(result) if "passwd.txt" in line] == [
        "articles/passwd.txt: error: symlink to a file outside the source folder: skipped, only what lives under it is published"]
    site = files(tmp_path / "_site")
    assert "index.html" in site and not any(SECRET.encode() in data for data in site.values())
    assert not any("passwd" in path for path in site)
    check = cli(tmp_path, "check")
    assert check.exit_code == 1 and any("passwd.txt" in line and "symlink" in line for line in check.output.splitlines())


def test_symlink_loop_is_one_error_line_and_the_rest_builds(tmp_path):
    articles = archive(tmp_path)
    (articles / "loop.txt").symlink_to("loop.txt")
    result = cli(tmp_path, "build", "-q")
    assert result.exit_code == 1 and one_line_errors(result) == ["articles/loop.txt: error: symlink loop: skipped"]
    assert "built 2 issues" in result.stdout
    check = cli(tmp_path, "check")
    assert check.exit_code == 1 and "Traceback" not in check.output and "loop.txt: error: symlink loop" in check.output


def test_symlink_inside_the_source_folder_is_read(tmp_path):
    articles = archive(tmp_path)
    (articles / "sub").mkdir()
    (articles / "sub" / "again.txt").symlink_to(articles / SAMPLES[0].name)
    report = build(articles, tmp_path / "_site", root=tmp_path)
    assert report.errors == [] and report.issues == 3


# -- limits -------------------------------------------------------------------------------
def test_a_10kb_slug_is_clamped_and_kept_unique(tmp_path):
    articles = archive(tmp_path)
    body = SAMPLES[0].read_text("utf-8").split("---", 2)[-1]
    for end in "ab":
        (articles / f"long-{end}.txt").write_text(f"---\nslug: {'x' * 10_000}{end}\n---\n{body}", encoding="utf-8")
    report = build(articles, tmp_path / "_site", root=tmp_path)
    assert report.errors == [] and report.issues == 4
    names = {p.name for p in (tmp_path / "_site").rglob("*") if p.name.startswith("xxx")}
    assert len(names) == 2 and all(len(n) <= MAX_SLUG for n in names)


def test_yaml_alias_bomb_is_refused_at_once(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in "bcdefghi":
        prev = chr(ord(i) - 1)
        lines.append(f"{i}: &{i} [{', '.join(['*' + prev] * 9)}]")
    bomb = "---\n" + "\n".join(lines) + "\npage: *i\n---\n正文第一段。\n"
    (tmp_path / "bomb.txt").write_text(bomb, encoding="utf-8")
    started = time.monotonic()
    result = cli(tmp_path, "parse", "bomb.txt")
    assert time.monotonic() - started < 10
    assert result.exit_code == 2
    assert one_line_errors(result) == ["bomb.txt:3: error: broken front matter: YAML aliases (`*name`) are not allowed here; write the value itself"]


def test_front_matter_and_file_size_limits(tmp_path):
    with pytest.raises(SourceError, match="front matter is larger than 64 KB"):
        source_from_bytes(("---\nnotes: " + "很" * 30_000 + "\n---\n正文。\n").encode(), "big.txt")
    huge = tmp_path / "articles" / "huge.txt"
    huge.parent.mkdir()
    with open(huge, "wb") as fh:
        fh.truncate(21 * 1024 * 1024)
    result = cli(tmp_path, "build", "-q")
    assert result.exit_code == 1 and one_line_errors(result) == [
        "articles/huge.txt: error: file is larger than 20 MB, the limit for one issue file (one newspaper page is ~15 KB): split it into pages"]


def test_deeply_nested_front_matter_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="broken front matter"):
        source_from_bytes(("---\nnotes: " + "[" * 5000 + "\n---\n正文。\n").encode(), "deep.txt")


# -- publishing is atomic -----------------------------------------------------------------
def _edit(articles: Path) -> tuple[Path, bytes]:
    path = articles / SAMPLES[1].name
    old = path.read_bytes()
    path.write_bytes(old.replace("。".encode(), "！".encode(), 3) + "\n新加的一段话。\n".encode())
    return path, old


def test_a_publish_failing_half_way_leaves_the_site_and_the_next_build_repairs(tmp_path, monkeypatch):
    articles = archive(tmp_path)
    out = tmp_path / "_site"
    build(articles, out, root=tmp_path)
    before = files(out)
    path, old = _edit(articles)
    real = os.replace
    moved = []
    locked = str(out / "search")  # written last: the pages are moved in when it fails

    def read_only_part(src, dst, *a, **kw):  # (root ignores permissions: a read-only folder is simulated)
        if str(src).startswith(locked) or str(dst).startswith(locked):
            raise PermissionError(13, "Permission denied", str(dst))
        if str(dst).startswith(str(out)):
            moved.append(dst)
        return real(src, dst, *a, **kw)

    monkeypatch.setattr(os, "replace", read_only_part)
    result = cli(tmp_path, "build", "-q")
    monkeypatch.undo()
    assert result.exit_code == 1 and moved
    [line] = one_line_errors(result)
    assert line.startswith(f"newsarchive: error: cannot write the site to {out}/: Permission denied")
    assert files(out) == before
    path.write_bytes(old)  # reverted: the old site is this build
    assert "up to date" in cli(tmp_path, "build", "-q").stdout
    assert_as_clean(tmp_path, out)
    _edit(articles)
    build(articles, out, root=tmp_path)
    assert_as_clean(tmp_path, out)


KILL_MID_COMMIT = """
import os, signal, sys
import newsarchive.output as output
placed = []
real = output._Journal.place
def place(self, path, new):
    real(self, path, new)
    placed.append(path)
    if len(placed) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
output._Journal.place = place
from newsarchive.cli import main
sys.exit(main(["build", "-q", "--jobs", "1"]))
"""


def test_kill_9_mid_commit_then_the_next_build_repairs(tmp_path):
    articles = archive(tmp_path)
    out = tmp_path / "_site"
    build(articles, out, root=tmp_path)
    path, old = _edit(articles)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    killed = subprocess.run([sys.executable, "-c", KILL_MID_COMMIT], cwd=tmp_path, env=env, capture_output=True)
    assert killed.returncode == -signal.SIGKILL
    assert any(p.name.startswith("._site.build-") for p in tmp_path.iterdir())  # the killed build's staging
    path.write_bytes(old)
    result = cli(tmp_path, "build", "-q")
    assert result.exit_code == 0 and "up to date" not in result.stdout
    assert_as_clean(tmp_path, out)
    assert not any(p.name.startswith("._site.") for p in tmp_path.iterdir())  # leftovers removed


def test_staging_folders_of_dead_builds_are_removed(tmp_path):
    articles = archive(tmp_path)
    (tmp_path / "._site.build-999999999-abc").mkdir()
    (tmp_path / "._site.old-999999999").mkdir()
    alive = tmp_path / f"._site.build-{os.getpid()}-mine"
    alive.mkdir()
    build(articles, tmp_path / "_site", root=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("._site")) == [alive.name]


@pytest.mark.parametrize("out", ["articles", ".", "/", "articles/.."])
def test_out_that_would_replace_sources_or_project_is_refused(tmp_path, out):
    articles = archive(tmp_path)
    before = files(tmp_path)
    result = cli(tmp_path, "build", "-q", "--out", out)
    assert result.exit_code == 1
    [line] = one_line_errors(result)
    assert line.startswith("newsarchive: error: refusing to use ")
    assert files(tmp_path) == before and sorted(os.listdir(articles)) == sorted(p.name for p in SAMPLES)


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def tmpfs(tmp_path):
    where = tmp_path / "disk"
    if os.geteuid() != 0 or not _mount_tmpfs(where, "16m"):
        pytest.skip("needs to mount a tmpfs")
    yield where
    subprocess.run(["umount", "-l", str(where)])


def test_disk_full_and_read_only_folder_leave_the_site_then_repair(tmpfs):
    root = tmpfs / "project"
    articles = archive(root)
    out = root / "_site"
    build(articles, out, root=root)
    before = files(out)
    path, old = _edit(articles)
    filler = tmpfs / "filler"
    subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True)  # until the disk is full
    result = cli(root, "build", "-q", "--jobs", "1")
    assert result.exit_code == 1 and one_line_errors(result)
    assert "No space left on device" in result.stderr
    assert files(out) == before
    filler.unlink()
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    try:
        result = cli(root, "build", "-q", "--jobs", "1")
        assert result.exit_code == 1 and len(one_line_errors(result)) == 1
        assert "Read-only file system" in result.stderr
        assert files(out) == before
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True)
    path.write_bytes(old)
    build(articles, out, root=root)
    assert_as_clean(root, out)
    _edit(articles)
    build(articles, out, root=root)
    assert_as_clean(root, out)


# -- the cache is never trusted blindly ----------------------------------------------------
def _garble(paths: list[Path]) -> None:
    assert paths
    for path in paths:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x5A
        path.write_bytes(bytes(data))


@pytest.mark.parametrize("which", ["parse/*.pickle", "templates/*.cache", "search/*.files.pickle", "search/*.pickle",
                                   "catalog.pickle", "*.marshal", "snippets/*.marshal", "yaml/*.marshal"])
def test_a_damaged_cache_is_dropped_with_a_warning_and_the_build_equals_a_clean_one(tmp_path, capfd, which):
    articles = archive(tmp_path)
    out = tmp_path / "_site"
    build(articles, out, root=tmp_path, jobs=1)
    cache = tmp_path / ".newsarchive-cache"
    _garble(sorted(cache.glob(which)))
    capfd.readouterr()
    # a change every page and the search index see: the damaged entries are read
    (articles / "new.txt").write_bytes(SAMPLES[0].read_bytes().replace("。".encode(), "；".encode(), 5))
    report = build(articles, out, root=tmp_path, jobs=1, base_url="https://example.org/news")
    assert report.errors == []
    warnings = [line for line in capfd.readouterr().err.splitlines() if "warning: cache file" in line]
    assert warnings and all("dropped, it is rebuilt" in line for line in warnings)
    assert_as_clean(tmp_path, out, base_url="https://example.org/news")
    build(articles, out, root=tmp_path, jobs=1, base_url="https://example.org/news")  # and no warning again
    assert "warning: cache file" not in capfd.readouterr().err


# -- every error is one line ---------------------------------------------------------------
def test_debug_shows_the_traceback(tmp_path):
    archive(tmp_path)
    assert "Traceback" not in cli(tmp_path, "build", "--out", ".").output
    result = cli(tmp_path, "build", "--debug", "--out", ".")
    assert result.exit_code == 1 and result.exception is not None and type(result.exception).__name__ == "OutputError"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "https://a.org/\"onload=x", "ftp://a.org"])
def test_base_url_must_be_http_or_https(tmp_path, url):
    archive(tmp_path)
    (tmp_path / "site.yaml").write_text(f"base_url: '{url}'\n", encoding="utf-8")
    result = cli(tmp_path, "build", "-q")
    assert result.exit_code == 1
    [line] = one_line_errors(result)
    assert "base_url must be an absolute http:// or https:// URL" in line
    assert not (tmp_path / "_site").exists()


def test_utf16_without_bom_with_u_xx00_characters_decodes():
    text = "开展一项工作。\n一二三开\n"
    for encoding in ("utf-16-le", "utf-16-be"):
        source = source_from_bytes(text.encode(encoding), "a.txt")
        assert source.text == text and source.encoding == encoding
    with pytest.raises(SourceError, match="binary"):
        source_from_bytes(bytes(range(256)) * 8, "b.bin")


def test_read_only_output_folder_is_one_line(tmp_path, monkeypatch):
    archive(tmp_path)
    import tempfile

    def refuse(*a, **kw):
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    result = cli(tmp_path, "build", "-q")
    assert result.exit_code == 1
    assert one_line_errors(result) == [f"newsarchive: error: cannot write the site to {tmp_path / '_site'}/: "
                                       f"Permission denied ({tmp_path}); the previous site is kept as it was"]


def test_duplicate_front_matter_keys_are_a_warning_with_the_line():
    source = source_from_bytes("---\ndate: 2020-05-01\npage: 2\ndate: 2020-05-02\n---\n正文。\n".encode(), "d.txt")
    assert source.front_matter["date"] == "2020-05-02" or str(source.front_matter["date"]) == "2020-05-02"
    assert [(d.line, d.message) for d in source.diagnostics] == [(4, "front matter field 'date' is given twice: the last one is used")]


def test_control_characters_are_removed_with_a_warning(lexicon):
    from newsarchive.parse import parse_source
    from newsarchive.parse.accounting import unaccounted

    raw = "区委召开\x1b[31m会议\u202e\n\n全区\u200b干部参加了会议。\n\n·张三·\n"
    source = source_from_bytes(raw.encode(), "c.txt")
    assert source.text == "区委召开[31m会议\n\n全区干部参加了会议。\n\n·张三·\n"
    assert [d.line for d in source.diagnostics] == [1, 3] and "U+001B" in source.diagnostics[0].message
    issue = parse_source(source, lexicon)
    assert unaccounted(source, issue) == ({}, {})
    assert not any(c in (a.title or "") for a in issue.articles for c in "\x1b\u202e\u200b")


def test_a_file_name_with_a_newline_keeps_check_one_line_per_finding(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "bad\nname.txt").write_bytes(b"\x00\x01\x02" * 10)
    result = cli(tmp_path, "check")
    lines = result.output.splitlines()
    assert "articles/bad\\nname.txt: error: looks like a binary file" in result.output
    assert all(line.startswith("articles/bad\\nname.txt:") or line.startswith("1 files") for line in lines)


def test_license_is_an_spdx_string():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert project["project"]["license"] == "MIT"
    [requirement] = [r for r in project["build-system"]["requires"] if r.startswith("setuptools")]
    assert int(requirement.split(">=")[1].split(".")[0]) >= 77  # (PEP 639 license strings: setuptools 77)
