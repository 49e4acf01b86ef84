"""Places: every county-level division and street/town of China, by date.

Two layers. `gazetteer.yaml` (南通, with its 2020 history, and an archive's own
additions) is matched on segmenter tokens, so overlapping names stay apart
(南通 vs 通州, 海安 vs 海门, 长江镇 vs 长江): those names are user words of the
segmenter, so 天生港镇街道 or 东海镇 come out whole. The national layer
(`china.China`, ~42,000 names) is matched in the text itself, never given to the
segmenter (see china.py). A name several places share (88 × 城关镇, 10 × 幸福街道,
2 × 通州区) resolves only by context: a county or city written right before it,
a county the article names, the issue's home county, city or province; without
such context it gets no tag. A name only one place has needs none.
A street names its district for the issue date (幸福街道 is 港闸区 until
2020-06-05, 崇川区 after); a defunct district name follows its successor.
"""
from __future__ import annotations

import re
from collections import Counter
from bisect import bisect_left
from itertools import accumulate
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..yamlfile import read_yaml
from .china import China
from .segment import Token

#: township kinds reported in `Article.streets` (zones and farms only imply a district)
STREET_KINDS = ("subdistrict", "town")
#: a short name followed by one of these is part of an organisation's name, not a place
_ORG_TAILS = ("公司", "集团", "有限公司", "分公司")
_CONJUNCTIONS = ("、", "和", "及", "与")
_SUFFIXES = ("街道", "镇")
_LATEST = "9999-12-31"
_KIND_CHAR = re.compile("[县市旗]")
_KIND_WORDS = frozenset({"委", "政府", "人大", "政协", "领导", "委书"})
_SELF_CHARS = frozenset({"我", "全", "本"})


@dataclass
class District:
    name: str
    short: str | None = None
    kind: str = "区"
    valid_from: str | None = None
    valid_until: str | None = None
    successor: str | None = None
    predecessor: str | None = None
    county_level: bool = True
    aliases: list[str] = field(default_factory=list)
    code: str | None = None


@dataclass
class Township:
    name: str
    kind: str
    district: str | None
    before: list[dict] = field(default_factory=list)  # [{until, district}], oldest first
    aliases: list[str] = field(default_factory=list)
    code: str | None = None
    trusted: bool = False  # from an archive's own gazetteer.yaml: its name needs no context

    def district_on(self, date: str | None) -> str | None:
        for period in sorted(self.before, key=lambda p: p["until"]):
            if (date or _LATEST) < str(period["until"]):
                return period["district"]
        return self.district


@dataclass
class Places:
    """What one text mentions: ordered by how often, then first mention."""

    districts: list[str]
    streets: list[str]
    counts: Counter  # district → weight, for choosing an issue's own district
    self_reference: bool  # 我区, 区委, 全区 … (any of `self_kinds`)
    self_kinds: frozenset = frozenset()  # 区 县 市 旗: which kind of 我X / 全X / X委 the text has
    codes: Counter = field(default_factory=Counter)  # county code → mentions (for the home)
    street_districts: dict = field(default_factory=dict)  # street → the district (tag key) it is in on the date


@dataclass(frozen=True)
class Home:
    """Where a publication is: a county (or only a city or province), and how that is known.

    `source` is site.yaml, front-matter or inferred; `confidence` 1.0 when stated, else
    the share of the issue's place-naming articles that name it (self-references counted)."""

    code: str  # 2, 4 or 6 digits
    source: str
    confidence: float = 1.0
    evidence: str = ""

    @property
    def county(self) -> str | None:
        return self.code if len(self.code) == 6 else None


class _Starts:
    """The token starting at a character offset, from the sorted token offsets (a dict of
    every offset cost more than the few look-ups it serves)."""

    __slots__ = ("offsets",)

    def __init__(self, offsets: list[int]):
        self.offsets = offsets

    def get(self, pos: int, default=None):
        offsets = self.offsets
        i = bisect_left(offsets, pos)
        return i if i < len(offsets) and offsets[i] == pos else default

    def __contains__(self, pos: int) -> bool:
        return self.get(pos) is not None


@dataclass
class _Mention:
    start: int
    end: int
    level: str  # province | city | county | township
    codes: tuple  # candidate codes
    form: str
    trusted: bool = False  # resolves alone (an alias, a curated short name, the archive's own name)


class Gazetteer:
    def __init__(self, districts: dict[str, District], townships: dict[str, Township],
                 aliases: dict[str, str], self_references: Iterable[str]):
        self.districts = districts
        self.townships = townships
        self.aliases = aliases
        self.self_references = frozenset(self_references)
        self._self_prefixes = tuple(sorted(self.self_references))
        self._forms = self._surface_forms()
        self._stems = self.stems()
        self._interesting = frozenset(self._forms) | frozenset(self._stems)
        self.china: China | None = None
        self._town_by_code: dict[str, Township] = {}
        self._district_by_code: dict[str, str] = {}
        self._key: dict[str, str] = {}  # county code → its tag name
        self._by_key: dict[str, str] = {}  # tag name → county code
        self._chains: dict = {}  # (district key, street) → parents joined by "/" (see `parents`)
        self._plain: dict = {}  # district key → plain name
        self._wanted = None  # (china, the words `scan` looks at: yaml forms and stems, short names)
        self._on: dict = {}  # (name, date) → `district_on`
        self._now_codes: dict = {}  # code → `_now`

    def attach(self, china: China) -> "Gazetteer":
        """Join the national layer: the yaml layer's divisions are found in it by code (and
        added where it lacks them: 港闸区, 海门市, 江海街道); tag names are the yaml names,
        else the national name, else, for a name two counties share, city + name."""
        self.china = china
        by_name = {d.name: d for d in self.districts.values()}
        for d in self.districts.values():
            if d.code and d.county_level:
                if d.code not in china.counties:
                    china.add_county(d.code, d.name)
                if d.code not in self._district_by_code or not d.valid_until:
                    self._district_by_code[d.code] = d.name
        n = 0
        for t in self.townships.values():
            if t.kind not in STREET_KINDS and t.kind != "zone":
                continue
            code = t.code
            if not code or not china.has_township(code, t.name):
                owner = by_name.get(t.district or "")
                if owner is None or not owner.code:
                    continue
                if not code:
                    n += 1
                    code = f"{self._now(owner.code)}Y{n:03d}"
                china.add_township(code, t.name)
            t.code = code
            self._town_by_code[code] = t
        names: dict[str, list[str]] = {}
        for code, name in china.counties.items():
            names.setdefault(name, []).append(code)
        for name, codes in names.items():
            for code in codes:
                if code in self._district_by_code:
                    key = self._district_by_code[code]
                elif len(codes) == 1 and name not in self.districts:
                    key = name
                else:
                    city = china.chain(code)[-2][1] if len(china.chain(code)) > 1 else ""
                    key = city + name
                self._key[code] = key
                self._by_key.setdefault(key, code)
        self._now_codes.clear()
        return self

    def _now(self, code: str) -> str:
        """The county code a division's area belongs to today (港闸区 320611 → 崇川区 320613)."""
        out = self._now_codes.get(code)
        if out is None:
            out = self._now_codes[code] = self._now_uncached(code)
        return out

    def _now_uncached(self, code: str) -> str:
        name = self._district_by_code.get(code)
        if name:
            current = self.district_on(name, None)
            d = self.districts.get(current)
            if d is not None and d.code:
                return d.code
        return code

    def key(self, code: str) -> str:
        """The tag name of a county code."""
        return self._key.get(code) or (self.china.name(code) if self.china else code)

    def code_of(self, name: str) -> str | None:
        """The county code of a district tag name (港闸区 → 320611)."""
        d = self.districts.get(name)
        if d is not None and d.code:
            return d.code
        return self._by_key.get(name)

    def plain(self, name: str) -> str:
        """The name as texts write it, for tags: 北京市通州区 (the key that tells the two 通州区
        apart) → 通州区; 港闸区 stays. The key itself stays the identity (`code_of`, `chain`)."""
        out = self._plain.get(name)
        if out is None:
            out = name
            if name not in self.districts and self.china is not None:
                code = self._by_key.get(name) or self.resolve_home(name)
                if code and len(code) == 6:
                    out = self._district_by_code.get(code) or self.china.name(code)
            self._plain[name] = out
        return out

    def parents(self, name: str, street: str | None = None) -> str:
        """The chain above a district key (or above one of its streets), "/"-joined:
        通州区 of 北京 → 北京市; 幸福街道 of 港闸区 → 江苏省/南通市/港闸区. Memoised."""
        key = (name, street)
        out = self._chains.get(key)
        if out is None:
            out = self._chains[key] = "/".join(self.chain(name, street)[:-1])
        return out

    def chain(self, name: str, street: str | None = None) -> list[str]:
        """省 › 市 › 区 (› 街道) names of a district tag (and one of its streets)."""
        code = self.code_of(name)
        if code is None or self.china is None:
            return [name] + ([street] if street else [])
        plain = self.china.name(code)
        out = [n for _, n in self.china.chain(self._now(code))[:-1]] + [plain if name.endswith(plain) else name]
        if street:
            out.append(street)
        return out

    def resolve_home(self, text: str) -> str | None:
        """The code `site.yaml`'s `home: 杭州市萧山区` (or 萧山区, 杭州市, 浙江省, 南通市港闸区) names;
        None when it names nothing known or something ambiguous (鼓楼区 alone)."""
        if not text or self.china is None:
            return None
        text = str(text).strip()
        if text in self.districts and self.districts[text].code:
            return self.districts[text].code
        found = [self.china.full[n] for _, _, n in self.china.scan(text)]
        if not found and text in self.china.shorts:
            found = [self.china.shorts[text]]
        chosen = ""
        for cands in found:  # 浙江省 › 杭州市 › 萧山区: each narrows the one before
            options = [c for c in cands if len(c) <= 6 and self._now(c).startswith(chosen[:4] if len(chosen) == 6 else chosen)]
            if len(options) != 1:
                return None
            chosen = options[0]
        return chosen or None

    @classmethod
    def load(cls, paths: Iterable[Path], cache_dir: Path | None = None) -> "Gazetteer":
        """Merge gazetteer files in order: later ones add entries and override by name."""
        districts: dict[str, District] = {}
        townships: dict[str, Township] = {}
        aliases: dict[str, str] = {}
        self_refs: list[str] = []
        for layer, path in enumerate(paths):
            data = read_yaml(path, cache_dir) or {}
            for d in data.get("districts") or []:
                old = districts.get(d["name"])
                merged = {**(vars(old) if old else {}), **d}
                districts[d["name"]] = District(**{k: merged[k] for k in District.__dataclass_fields__ if k in merged})
            for t in data.get("townships") or []:
                old = townships.get(t["name"])
                merged = {**(vars(old) if old else {}), **t, "trusted": layer > 0}
                townships[t["name"]] = Township(**{k: merged[k] for k in Township.__dataclass_fields__ if k in merged})
            aliases.update(data.get("aliases") or {})
            self_refs += [s for s in data.get("self_references") or [] if s not in self_refs]
        return cls(districts, townships, aliases, self_refs)

    # -- names --------------------------------------------------------------
    def _surface_forms(self) -> dict[str, tuple[str, str]]:
        """form → ("district" | "short" | "township", canonical name)."""
        forms: dict[str, tuple[str, str]] = {}
        for d in self.districts.values():
            for a in d.aliases:
                forms[a] = ("district", d.name)
            if d.short and d.short not in forms:
                forms[d.short] = ("short", d.name)
        for d in self.districts.values():
            forms[d.name] = ("district", d.name)
        for t in self.townships.values():
            forms[t.name] = ("township", t.name)
            for a in t.aliases:
                forms.setdefault(a, ("township", t.name))
        for alias, target in self.aliases.items():
            if target in self.townships:
                forms[alias] = ("township", target)
            elif target in self.districts:
                forms[alias] = ("district", target)
        return forms

    def names(self) -> list[str]:
        """Every surface form matched as a place, sorted."""
        return sorted(self._forms)

    def district_names(self) -> frozenset[str]:
        """Forms naming a county-level division (港闸区, 崇川): `districts` already says these."""
        return frozenset(f for f, (kind, _) in self._forms.items() if kind in ("district", "short"))

    def stems(self) -> dict[str, str]:
        """Street stems (陈桥 for 陈桥街道, 唐闸 for 唐闸镇街道) → street; for 钟秀、虹桥街道."""
        out: dict[str, str] = {}
        for t in self.townships.values():
            if t.kind not in STREET_KINDS:
                continue
            stem = t.name
            for suffix in _SUFFIXES:
                if stem.endswith(suffix):
                    stem = stem[: -len(suffix)]
            if len(stem) >= 2:
                out.setdefault(stem, t.name)
        return out

    def user_words(self, known) -> list[tuple[str, str]]:
        """Words for the segmenter: every name whole, stems only where jieba lacks them.

        A stem jieba already knows (幸福, 长江, 东海) keeps its everyday sense; one it
        does not know (陈桥, 秦灶, 钟秀) would otherwise be guessed as a person name.
        """
        words = sorted(set(self._forms) | set(self.self_references), key=lambda w: (len(w), w))
        stems = sorted(s for s in self.stems() if not known(s))
        return [(w, "ns") for w in stems + words if w not in self.self_references] + [
            (w, "n") for w in sorted(self.self_references)
        ]

    def district_on(self, name: str, date: str | None) -> str:
        """The name a district has on `date`: 港闸区 in 2022 is 崇川区, 海门区 in 2019 is 海门市
        (memoised: asked for every mention)."""
        key = (name, date)
        out = self._on.get(key)
        if out is None:
            out = self._on[key] = self._district_on(name, date)
        return out

    def _district_on(self, name: str, date: str | None) -> str:
        when = date or _LATEST
        seen = set()
        d = self.districts.get(name)
        while d and d.name not in seen:
            seen.add(d.name)
            if d.valid_until and when >= str(d.valid_until) and d.successor:
                d = self.districts.get(d.successor)
            elif d.valid_from and when < str(d.valid_from) and d.predecessor:
                d = self.districts.get(d.predecessor)
            elif d.predecessor and d.predecessor in self.districts:
                prev = self.districts[d.predecessor]
                if prev.valid_until and when < str(prev.valid_until):
                    d = prev
                else:
                    break
            else:
                break
        return d.name if d else name

    # -- matching -----------------------------------------------------------
    def find(self, tokens: list[Token], date: str | None, home: Home | None = None) -> Places:
        """Places in a token stream; a street implies its district, nothing else is guessed."""
        return self.resolve(self.scan(tokens), date, home)

    def scan(self, tokens: list[Token]) -> tuple[list[_Mention], frozenset]:
        """Every place name in the tokens with the codes it can mean, in text order, and
        the kinds of self-reference (我区 → 区, 全县 → 县 …) the text makes."""
        words = [t[0] for t in tokens]
        mentions: list[_Mention] = []
        offsets = [0, *accumulate(map(len, words))]
        text_len = offsets.pop()
        starts = _Starts(offsets)  # char offset → token index (asked only of the few candidates)
        # (a token's end is the next one's start, or the text's end: no name starts there)
        taken: list[tuple[int, int]] = []
        interesting = self._interesting
        china = self.china
        shorts: list[int] = []
        wanted = self._wanted
        if wanted is None or wanted[0] is not china:
            wanted = self._wanted = (china, interesting | frozenset(china.shorts if china is not None else ()))
        for i in [i for i, w in enumerate(words) if w in wanted[1]]:  # few: most words are no place
            word = words[i]
            if word in interesting:
                m = self._yaml_mention(words, i, offsets[i])
                if m is not None:
                    mentions.append(m)
                    taken.append((m.start, m.end))
            elif china is not None and word in china.shorts:
                shorts.append(i)
        if china is not None:
            text = "".join(words)
            for start, end, name in china.scan(text):
                if start not in starts:
                    continue  # inside a word: 新型城镇化 is not a 城镇
                if any(s < end and start < e for s, e in taken):
                    continue  # the yaml layer has it
                codes = china.full[name]
                i = starts.get(start)
                if i is not None and len(codes[0]) <= 6 and self._in_org_name(words, i):
                    continue
                mentions.append(_Mention(start, end, China.level(codes[0]), codes, name))
                taken.append((start, end))
            for i in shorts:  # 萧山, 杭州: where no full name (萧山区) covers them
                p, word = offsets[i], words[i]
                if not any(s < p + len(word) and p < e for s, e in taken) and not self._in_org_name(words, i):
                    mentions.append(_Mention(p, p + len(word), "short", china.shorts[word], word))
        mentions.sort(key=lambda m: m.start)
        return mentions, self._self_kinds(words, "".join(words) if china is None else text, starts, text_len)

    def _yaml_mention(self, words: list[str], i: int, start: int) -> "_Mention | None":
        word = words[i]
        hit = self._forms.get(word)
        via_stem = False
        if hit is None:
            street = self._stems.get(word)
            if not (street and self._coordinated(words, i, street)):
                return None
            hit, via_stem = ("township", street), True
        kind, name = hit
        end = start + len(word)
        if kind == "short" and self._in_org_name(words, i):
            return None
        china = self.china
        if kind == "township":
            t = self.townships[name]
            own = t.code or ("Y:" + t.name)
            if china is None or t.trusted or via_stem or word != t.name:
                return _Mention(start, end, "township", (own,), t.name, trusted=True)
            others = tuple(c for c in china.full.get(t.name, ()) if len(c) > 6 and c != own)
            return _Mention(start, end, "township", (own, *others), t.name)
        d = self.districts[name]
        own = d.code or ("Y:" + d.name)
        if not d.county_level:
            return None
        if china is None:
            return _Mention(start, end, "county", (own,), d.name, trusted=True)
        table = china.full if kind == "district" else china.shorts
        others = tuple(c for c in table.get(word, ()) if c != own and self._now(c) != self._now(own))
        # a curated short name (崇川, 如皋) or a full name only this county has: no context needed
        return _Mention(start, end, "county", (own, *others), d.name, trusted=not others)

    _KINDS = {"区": "区", "县": "县", "市": "市", "旗": "旗"}

    def _self_kinds(self, words: list[str], text: str, starts: "_Starts", text_len: int) -> frozenset:
        """区 for 我区/区委/全区 (the yaml's self_references: a word starting with one), 县 for
        我县/全县/县委 … Found in the text and checked against the token bounds (`starts`:
        offset → token index) rather than word by word: the same answer, ~5x faster."""
        kinds = set()
        search = self._self_pattern().search
        m = search(text)
        while m is not None:
            i = starts.get(m.start())
            if i is not None and words[i].startswith(self._self_prefixes):  # a word starts with one
                kinds.add("区")
                break
            m = search(text, m.start() + 1)  # overlapping: 我区委 may hide 区委
        for m in _KIND_CHAR.finditer(text):
            q = m.start()
            c = text[q]
            if c in kinds:
                continue
            i = starts.get(q)
            if i is not None:
                w = words[i]
                if w[1:3] in _KIND_WORDS or (i > 0 and words[i - 1] in _SELF_CHARS):  # 县委 / 我 + 县…
                    kinds.add(c)
                    continue
            # 我县 / 全市 / 本旗 as one word of two characters
            if q > 0 and text[q - 1] in _SELF_CHARS and (q - 1) in starts and (q + 1 in starts or q + 1 == text_len):
                kinds.add(c)
        return frozenset(kinds)

    def _self_pattern(self):
        pattern = self.__dict__.get("_self_re")
        if pattern is None:
            refs = sorted(self.self_references, key=len, reverse=True) or ["(?!)"]
            pattern = self._self_re = re.compile("|".join(map(re.escape, refs)))
        return pattern

    def resolve(self, scanned: tuple[list[_Mention], frozenset], date: str | None, home: Home | None = None) -> Places:
        """Codes for the mentions, by context; then the tags on `date`."""
        mentions, kinds = scanned
        china = self.china
        now = self._now
        # context: what the text names without doubt, and the home
        counties = {now(m.codes[0]) for m in mentions if m.level == "county" and (m.trusted or len(m.codes) == 1)}
        sure = [m.codes[0] for m in mentions if len(m.codes) == 1 and not m.codes[0].startswith("Y:")
                and (m.level != "short" or len(m.codes[0]) <= 4)]  # 光明 alone says nothing of 深圳
        cities = {c[:4] for c in sure if len(c) >= 4} | {now(c)[:4] for c in counties}
        provinces = {c[:2] for c in sure} | {c[:2] for c in cities}
        hcode = now(home.code) if home is not None and len(home.code) == 6 else (home.code if home else "")
        district_hits: Counter = Counter()
        street_hits: Counter = Counter()
        codes_hits: Counter = Counter()
        street_districts: dict[str, str] = {}
        first: dict[str, int] = {}
        before: _Mention | None = None
        before_code: str | None = None
        for n, m in enumerate(mentions):
            code = self._choose(m, before if before is not None and before.end == m.start else None, before_code,
                                counties, cities, provinces, hcode)
            before, before_code = m, code
            if code is None or len(code) == 4 or len(code) == 2:
                continue
            if m.level == "township" or (len(code) > 6):
                t = self._town_by_code.get(code) or (self.townships.get(code[2:]) if code.startswith("Y:") else None)
                if t is not None:
                    if t.kind in STREET_KINDS:
                        street_hits[t.name] += 1
                        first.setdefault(t.name, n)
                    district = t.district_on(date)
                    if district is None:
                        continue
                    district = self.district_on(district, date)
                    if t.kind in STREET_KINDS:
                        street_districts.setdefault(t.name, district)
                else:
                    name = m.form
                    street_hits[name] += 1
                    first.setdefault(name, n)
                    district = self.district_on(self.key(code[:6]), date)
                    street_districts.setdefault(name, district)
            else:
                district = self.district_on(self.key(code) if not code.startswith("Y:") else code[2:], date)
            d = self.districts.get(district)
            if d is not None and not d.county_level:
                continue
            district_hits[district] += 1
            c = self.code_of(district)
            if c:
                codes_hits[c] += 1
            first.setdefault(district, n)
        order = lambda c: sorted(c, key=lambda n: (-c[n], first[n], n))  # noqa: E731
        return Places(order(district_hits), order(street_hits), district_hits, bool(kinds), kinds, codes_hits,
                      street_districts)

    def _choose(self, m: _Mention, adjacent: "_Mention | None", adjacent_code: str | None, counties: set,
                cities: set, provinces: set, home: str) -> str | None:
        """The one code a mention means, or None. Context, nearest first: the county or city
        written right before it (萧山区瓜沥镇, 北京市通州区), the counties the article names,
        the home county, the cities the article names, the home city, the home province and
        the provinces named. A level that leaves one candidate decides; none leaves None."""
        codes = m.codes
        if len(codes) == 1:
            return codes[0] if (m.trusted or m.level != "short" or self._short_ok(codes[0], cities, provinces, home)) else None
        now = self._now
        if m.level == "short":
            codes = tuple(c for c in codes if len(c) == 6) or codes
        steps: list = []
        if adjacent is not None and adjacent_code is not None:
            steps.append(now(adjacent_code) if len(adjacent_code) == 6 else adjacent_code)
        deep = len(codes[0]) > 6 or codes[0].startswith("Y:")
        if deep:
            steps.append(counties)
            if home and len(home) == 6:
                steps.append({home})
        steps.append(cities)
        if home:
            steps.append({home[:4]} if len(home) >= 4 else set())
            steps.append({home[:2]})
        steps.append(provinces)
        for n, step in enumerate(steps):
            if not step:
                continue
            prefixes = (step,) if isinstance(step, str) else tuple(step)
            options = [c for c in codes if self._code_in(c, prefixes)]
            if len(options) == 1:
                return options[0]
            if len(options) > 1 or (n == 0 and adjacent is not None):
                return None  # 秦安县城关镇: that county has none, so no other one is meant
        return None

    def _code_in(self, code: str, prefixes: tuple) -> bool:
        """Is `code` (today's area) inside one of `prefixes` (codes of any level)?"""
        if code.startswith("Y:"):
            t = self.townships.get(code[2:])
            d = self.districts.get(t.district if t else code[2:])
            code = d.code if d is not None and d.code else code
        if len(code) > 6 and "Y" in code:
            code = code[: code.index("Y")]
        here = self._now(code[:6]) + code[6:]
        return any(here.startswith(self._now(p) if len(p) == 6 else p) for p in prefixes)

    def _short_ok(self, code: str, cities: set, provinces: set, home: str) -> bool:
        """A derived short name (萧山 for 萧山区) counts only inside the home's city or a city the
        text names: alone, 光明 or 长寿 are words, not 光明区 or 长寿区."""
        if len(code) != 6:
            return False
        city = self._now(code)[:4]
        return city in cities or (bool(home) and home[:4] == city)

    def _coordinated(self, words: list[str], i: int, street: str) -> bool:
        """钟秀、虹桥街道 / 钟秀和虹桥街道: a bare stem shares the suffix of the next street."""
        if i + 2 >= len(words) or words[i + 1] not in _CONJUNCTIONS:
            return False
        nxt = self._forms.get(words[i + 2])
        if not nxt or nxt[0] != "township":
            return False
        return any(street.endswith(s) and nxt[1].endswith(s) for s in _SUFFIXES)

    @staticmethod
    def _in_org_name(words: list[str], i: int) -> bool:
        """通州古建筑公司, 港闸市政工程有限公司: a company's name, not where the story is."""
        return any(w.endswith(_ORG_TAILS) for w in words[i + 1 : i + 4])
