"""The national layer of the gazetteer: every province, city, county and township of China.

Read from `data/china-divisions.tsv` (made by `data/build_gazetteer.py china` from the npm
package china-division 2.7.0, NBS 2023 codes, WTFPL): one `code<TAB>name` line per division,
the code's length being its level (2 province, 4 city, 6 county, 9 township).

Names are not given to the segmenter (45,000 user words would change how every text is
cut and make every process build a far larger dictionary): full names are found in the text itself, by looking
back from each character a name can end with (区 县 市 旗 街道 镇 乡 苏木 省 州 盟) for
the longest name that ends there. Short forms (萧山, 杭州, 浙江) are looked up per token.
"""
from __future__ import annotations

import re
from pathlib import Path

#: city-level code groups that are not places (北京 1101 市辖区, 省直辖县级行政区划 …)
_GROUPS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_PROVINCE_SHORT = {"内蒙古自治区": "内蒙古", "广西壮族自治区": "广西", "西藏自治区": "西藏",
                   "宁夏回族自治区": "宁夏", "新疆维吾尔自治区": "新疆"}
_COUNTY_SUFFIXES = ("区", "县", "市", "旗")
_CITY_SUFFIXES = ("市", "地区", "盟")
#: names this long and longer are not looked for in texts (odd units; none is a 街道/镇/乡)
MAX_NAME = 10
#: a county short name that is also an everyday word is never used alone
_COMMON_SHORTS = frozenset({"城关", "城中", "城东", "城西", "城南", "城北", "新区", "郊区", "矿区", "市中"})


class China:
    """Divisions by code, names → codes, and the text scan that finds full names."""

    def __init__(self, text: str):
        body = text[text.index("\n[province]\n") + 1 :]
        provinces, cities, counties, towns = body.split("\n[")
        split = _tab_split
        self.provinces = dict(map(split, provinces.split("\n")[1:]))
        self.cities = dict(map(split, cities.split("\n")[1:]))
        self.counties = dict(map(split, counties.split("\n")[1:]))
        #: name → its codes, comma-joined (split when matched); every level, cities minus code groups
        self._full: dict[str, str] = dict(map(split, towns.rstrip("\n").split("\n")[1:]))
        self._extra_towns: set[str] = set()
        self._index()

    @classmethod
    def load(cls, path: Path) -> "China":
        return cls(Path(path).read_text(encoding="utf-8"))

    def add_county(self, code: str, name: str) -> None:
        self.counties[code] = name
        self._add(name, code)

    def add_township(self, code: str, name: str) -> None:
        self._extra_towns.add(code)
        self._add(name, code)

    def has_township(self, code: str, name: str) -> bool:
        return code in self._extra_towns or code in self.full.get(name, ())

    def _add(self, name: str, code: str) -> None:
        old = self._full.get(name)
        if old is None or code not in old.split(","):
            self._full[name] = f"{old},{code}" if old else code
        self._codes.pop(name, None)
        self._ends = None

    def _index(self) -> None:
        full = self._full
        for table in (self.provinces, self.counties):
            for code, name in table.items():
                if len(name) > 2:  # 城区, 郊区, 矿区: words, never looked for; 绛县: a short name (below)
                    full[name] = f"{full[name]},{code}" if name in full else code
        for code, name in self.cities.items():
            if name not in _GROUPS:
                full[name] = f"{full[name]},{code}" if name in full else code
        shorts: dict[str, list[str]] = {}
        for code, name in self.provinces.items():
            short = _PROVINCE_SHORT.get(name) or name.rstrip("省市")
            if short != name:
                shorts.setdefault(short, []).append(code)
        for code, name in self.cities.items():
            short = _short(name, _CITY_SUFFIXES, "自治州")
            if short and name not in _GROUPS:
                shorts.setdefault(short, []).append(code)
        for code, name in self.counties.items():
            short = _short(name, _COUNTY_SUFFIXES, "自治")
            if short and short not in _COMMON_SHORTS:
                shorts.setdefault(short, []).append(code)
            elif len(name) == 2 and name.endswith("县"):
                # 绛县, 沛县, 和县: a whole word, and like a short name it counts only inside its
                # city (运城市绛县, or the home's): `各区和县` and `提高县域` name no county
                shorts.setdefault(name, []).append(code)
        self.shorts = {n: tuple(c) for n, c in shorts.items() if n not in full}
        self._codes: dict[str, tuple] = {}
        self.full = _Codes(self)
        self._ends = None
        self._lengths = tuple(range(MAX_NAME - 1, 1, -1))

    def _end_pattern(self):
        """The tables of `scan` (made once per process): `_ends`, a regex of the places
        a name can end: a character names end with, where the one before it and it end a name
        too (社区, 全市 do not); `_tails`, the lengths, longest first, of the names ending in
        each three characters (福街道 → 4, 5 … not the 7 lengths of all names ending in 街道);
        `_pairs`, the names of two characters (none in the national data)."""
        if self._ends is None:
            names = [n for n in self._full if 1 < len(n) < MAX_NAME]
            masks: dict[str, int] = {}  # three last characters → the lengths ending so, as bits
            get = masks.get
            for n in names:
                key = n[-3:]
                masks[key] = get(key, 0) | 1 << len(n)
            lengths: dict[int, tuple] = {}
            for mask in set(masks.values()):
                lengths[mask] = tuple(k for k in range(MAX_NAME - 1, 2, -1) if mask >> k & 1)
            self._tails = {key: lengths[mask] for key, mask in masks.items() if len(key) == 3}
            self._pairs = frozenset(n for n in names if len(n) == 2)
            before: dict[str, set] = {}
            for pair in {n[-2:] for n in names}:
                before.setdefault(pair[1], set()).add(pair[0])
            # 区(?<=[…]区): the last character first, so the regex skips to those; then the one before
            self._ends = re.compile("|".join(
                f"{re.escape(c)}(?<=[{''.join(map(re.escape, sorted(firsts)))}]{re.escape(c)})"
                for c, firsts in sorted(before.items())) or "(?!)")
        return self._ends

    def refresh(self) -> None:
        """Kept for callers; names added with add_county/add_township are indexed already."""

    def scan(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, name) of the longest full name ending at each place a name can end,
        left to right, without overlaps (a longer name that starts earlier wins)."""
        full, out = self._full, []
        last_end = 0
        ends = self._ends or self._end_pattern()
        tails, pairs = self._tails, self._pairs
        for m in ends.finditer(text):
            end = m.end()
            lengths = tails.get(text[end - 3 : end], ()) if end >= 3 else ()
            if pairs and text[end - 2 : end] in pairs:
                lengths += (2,)
            for length in lengths:
                start = end - length
                if start < 0 or (start < last_end and start > out[-1][0]):
                    continue  # before the text, or across the end of the name before
                name = text[start:end]
                if name in full:
                    if start < last_end:  # 新城镇 found after 新城: the longer one wins
                        while out and out[-1][0] >= start:
                            out.pop()
                    out.append((start, end, name))
                    last_end = end
                    break
        return out

    def codes(self, name: str) -> tuple:
        """The codes of a full name (`full[name]`, without its wrapper)."""
        codes = self._codes.get(name)
        if codes is None:
            codes = self._codes[name] = tuple(self._full[name].split(","))
        return codes

    # -- the hierarchy -----------------------------------------------------------
    @staticmethod
    def level(code: str) -> str:
        """'province' | 'city' | 'county' | 'township' by the code's shape."""
        n = len(code)
        return "province" if n == 2 else "city" if n == 4 else "county" if n == 6 else "township"

    def name(self, code: str) -> str:
        n = len(code)
        table = self.provinces if n == 2 else self.cities if n == 4 else self.counties if n == 6 else {}
        return table.get(code, code)

    def chain(self, code: str) -> list[tuple[str, str]]:
        """(code, name) from the province down to `code`; code groups (市辖区 …) left out."""
        out = []
        for part in (code[:2], code[:4], code[:6], code):
            if len(part) > len(code) or (out and part == out[-1][0]):
                continue
            name = self.name(part)
            if len(part) == 4 and (name in _GROUPS or part not in self.cities):
                continue
            out.append((part, name))
        return out


def _tab_split(line: str) -> list[str]:
    return line.split("\t")


class _Codes:
    """`China.full`: name → tuple of codes, split from the file's comma-joined form when asked."""

    def __init__(self, china: China):
        self._china = china

    def __contains__(self, name: str) -> bool:
        return name in self._china._full

    def __getitem__(self, name: str) -> tuple:
        codes = self._china._codes.get(name)
        if codes is None:
            codes = self._china._codes[name] = tuple(self._china._full[name].split(","))
        return codes

    def get(self, name: str, default=None):
        return self[name] if name in self._china._full else default

    def __iter__(self):
        return iter(self._china._full)

    def __len__(self) -> int:
        return len(self._china._full)


def _short(name: str, suffixes: tuple[str, ...], autonomous: str) -> str | None:
    """萧山区 → 萧山, 杭州市 → 杭州, 延边朝鲜族自治州 → 延边; None when under two characters
    or an autonomous county (their short forms are not what papers write)."""
    if autonomous in name:
        return name[:2] if autonomous == "自治州" and len(name) > 4 else None
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None
