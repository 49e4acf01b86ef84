"""Make a deterministic synthetic archive from the five sample bulletins.

    python benchmarks/make_corpus.py N --seed S OUT

writes N issue files ``OUT/YYYY/YYYY-MM-DD-<district>-NNNNN.txt`` of about
15 KB each.  Every file looks like a sample page: articles made of a headline
group (kicker / title / subtitle, taken from the samples), paragraphs (sample
sentences recombined, numbers varied), subheadings, a byline in one of the
samples' styles, sometimes photo captions with a credit, and sometimes a
paragraph cut in two by a page break.  The same N and seed always give the
same bytes.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "articles"

DISTRICTS = [("gangzha", "港闸区"), ("chongchuan", "崇川区"), ("haimen", "海门区"), ("tongzhou", "通州区")]


def harvest(samples: Path = SAMPLES):
    """Headline groups, sentences, subheadings, bylines and captions of the samples."""
    sys.path.insert(0, str(ROOT / "src"))
    from newsarchive.pipeline import parse_files

    result = parse_files(sorted(samples.glob("*.txt")), samples)
    heads, sentences, subheads, bylines, captions = [], [], [], [], []
    for issue in result.issues:
        for a in issue.articles:
            if a.title:
                heads.append((a.kicker, a.title, a.subtitle))
            if a.byline:
                bylines.append(a.byline)
            captions.extend(a.captions)
            for b in a.blocks:
                if b.type == "subheading":
                    subheads.append(b.text)
                elif b.type == "paragraph":
                    sentences.extend(s for s in re.findall(r"[^。！？]+[。！？]?[”」]?", b.text) if len(s) > 4)
    bylines += ["·庄妍·", "记者 袁晓婕", "张军"]
    return heads, sentences, subheads, sorted(set(bylines)), captions


def vary_numbers(text: str, rng: random.Random) -> str:
    return re.sub(r"\d+", lambda m: str(rng.randint(1, 10 ** len(m.group()) - 1)), text)


def make_issue(rng: random.Random, pool, date: dt.date, district: str) -> str:
    heads, sentences, subheads, bylines, captions = pool
    target = rng.randint(13000, 17000)
    out: list[str] = []
    size = 0
    while size < target:
        kicker, title, subtitle = rng.choice(heads)
        group = []
        if kicker and rng.random() < 0.8:
            group.append(kicker)
        group.append(vary_numbers(title, rng))
        if subtitle and rng.random() < 0.8:
            group.append(subtitle)
        art = ["\n".join(group) if rng.random() < 0.3 else "\n\n".join(group)]
        for _ in range(rng.randint(2, 7)):
            if subheads and rng.random() < 0.15:
                art.append(rng.choice(subheads))
            para = "".join(vary_numbers(rng.choice(sentences), rng) for _ in range(rng.randint(2, 6)))
            if len(para) > 60 and rng.random() < 0.12:  # a column / page break inside the paragraph
                cut = rng.randint(10, len(para) - 10)
                art.append(para[:cut])
                art.append(para[cut:])
            else:
                art.append(para)
        if captions and rng.random() < 0.2:
            art.append(rng.choice(captions))
        art.append(rng.choice(bylines))
        block = "\n\n".join(art)
        out.append(block)
        size += len(block.encode("utf-8"))
    header = f"---\ndate: {date.isoformat()}\ndistrict: {district}\n---\n\n"
    return header + "\n\n\n".join(out) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--per-day", type=int, default=3, help="issue files per day (default 3)")
    a = ap.parse_args(argv)
    pool = harvest()
    rng = random.Random(a.seed)
    start = dt.date(2015, 1, 1)
    for i in range(a.n):
        date = start + dt.timedelta(days=i // a.per_day)
        slug, name = DISTRICTS[rng.randrange(len(DISTRICTS))]
        path = a.out / f"{date.year}" / f"{date.isoformat()}-{slug}-{i:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make_issue(rng, pool, date, name), encoding="utf-8")
    print(f"wrote {a.n} issues to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
