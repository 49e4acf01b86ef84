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
from bisect import bisect_left, bisect_right
from itertools import accumulate
from operator import itemgetter
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
#: what a word of `Gazetteer._word_table` is (see there)
_NAME, _ORG_CHECK, _STEM, _SHORT, _NOTHING = range(5)
#: `Gazetteer._town_tag`: the street is the name as the text writes it
_FORM = object()
#: a code's level by its length (longer: a township)
_LEVELS = {2: "province", 4: "city", 6: "county"}


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


#: a place name found in a text: (start, end, level, codes, form, trusted), a plain tuple (an
#: article has ~17: objects cost more to make than the rest of their handling). level: province |
#: city | county | township | short; codes: the candidate codes; trusted: it resolves alone (an
#: alias, a curated short name, the archive's own name)
_Mention = tuple


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
        self._words = None  # (china, `_word_table`, its words): what `scan` looks for
        self._on: dict = {}  # (name, date) → `district_on`
        self._now_codes: dict = {}  # code → `_now`
        self._areas: dict = {}  # code → `_area`

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
        self._areas.clear()
        self._words = None
        self.__dict__.pop("_changes", None)
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

    def scan(self, tokens: list[Token], *more: list[Token]) -> tuple[list[_Mention], frozenset]:
        """Every place name in the tokens (and in `more`, token lists that follow them: an
        article's head and body) with the codes it can mean, in text order, and the kinds of
        self-reference (我区 → 区, 全县 → 县 …) the text makes."""
        words = [t[0] for t in tokens]
        for part in more:
            words += [t[0] for t in part]
        return self.scan_words(words)

    def scan_words(self, words: list[str], text: str | None = None) -> tuple[list[_Mention], frozenset]:
        """`scan` of the words of a token stream (`text`: their concatenation, when known).

        One look at each word, for the few a place can be (yaml names, stems, short names:
        `_word_table` says what each is); all else is looked for in the text: national names
        (`China.scan`) and self-references, whose token bounds are then looked up in the
        words' offsets."""
        if text is None:
            text = "".join(words)
        china = self.china
        tables = self._words
        if tables is None or tables[0] is not china:
            table = self._word_table()
            tables = self._words = (china, table, frozenset(table))
        _, table, wanted = tables
        offsets = [0, *accumulate(map(len, words))]  # offsets[i]: where words[i] starts
        mentions: list[_Mention] = []
        y_starts: list[int] = []  # the yaml layer's mentions (whole tokens, in order)
        y_ends: list[int] = []
        shorts = []  # (token index, its table entry)
        # few: most words are no place (a set: its misses cost less than the table's)
        for i in [i for i, w in enumerate(words) if w in wanted]:
            entry = table[words[i]]
            how = entry[0]
            if how == _SHORT:
                shorts.append((i, entry))
            elif how == _NAME or (how == _ORG_CHECK and not self._in_org_name(words, i)) or (
                    how == _STEM and self._coordinated(words, i, entry[3])):
                start, end = offsets[i], offsets[i + 1]
                mentions.append((start, end, entry[1], entry[2], entry[3], entry[4]))
                y_starts.append(start)
                y_ends.append(end)
        if china is not None:
            c_starts: list[int] = []
            c_ends: list[int] = []
            codes_of = china.codes
            n = len(offsets)
            for start, end, name in china.scan(text):
                i = bisect_left(offsets, start)
                if i == n or offsets[i] != start:
                    continue  # inside a word: 新型城镇化 is not a 城镇
                k = bisect_left(y_starts, end) - 1
                if k >= 0 and y_ends[k] > start:
                    continue  # the yaml layer has it
                if c_ends and c_ends[-1] > start:
                    continue  # overlaps the one before (a longer name found later can start inside it)
                codes = codes_of(name)
                first = len(codes[0])
                if first <= 6 and self._in_org_name(words, i):
                    continue
                mentions.append((start, end, _LEVELS.get(first, "township"), codes, name, False))
                c_starts.append(start)
                c_ends.append(end)
            for i, entry in shorts:  # 萧山, 杭州: where no full name (萧山区) covers them
                start, end = offsets[i], offsets[i + 1]
                k = bisect_left(c_starts, end) - 1
                if (k < 0 or c_ends[k] <= start) and not self._in_org_name(words, i):
                    mentions.append((start, end, "short", entry[2], entry[3], False))
            mentions.sort(key=itemgetter(0))
        return mentions, self._self_kinds(words, text, offsets)

    def _word_table(self) -> dict:
        """word → (how, level, codes, form, trusted): what a token that is a yaml name, a
        street's stem or a national short name (萧山) stands for. How: `_NAME` a mention;
        `_ORG_CHECK` one unless a company's name follows (a curated short name: 崇川);
        `_STEM` one only beside another street (钟秀、虹桥街道); `_SHORT` a national short name,
        where no full name covers it; `_NOTHING` a yaml word that is no mention (a town-level
        district) and so not a short name either. Made once per attached national layer."""
        china = self.china
        out: dict[str, tuple] = {}
        for word in self._interesting:
            hit = self._forms.get(word)
            if hit is None:  # a stem only
                out[word] = (_STEM, "township", (self._town_code(self._stems[word]),), self._stems[word], True)
                continue
            kind, name = hit
            how = _ORG_CHECK if kind == "short" else _NAME
            if kind == "township":
                t = self.townships[name]
                own = self._town_code(name)
                if china is None or t.trusted or word != t.name:
                    out[word] = (how, "township", (own,), t.name, True)
                else:
                    others = tuple(c for c in china.full.get(t.name, ()) if len(c) > 6 and c != own)
                    out[word] = (how, "township", (own, *others), t.name, False)
                continue
            d = self.districts[name]
            own = d.code or ("Y:" + d.name)
            if not d.county_level:
                out[word] = (_NOTHING, None, (), d.name, False)
            elif china is None:
                out[word] = (how, "county", (own,), d.name, True)
            else:
                table = china.full if kind == "district" else china.shorts
                others = tuple(c for c in table.get(word, ()) if c != own and self._now(c) != self._now(own))
                # a curated short name (崇川, 如皋) or a full name only this county has: no context needed
                out[word] = (how, "county", (own, *others), d.name, not others)
        if china is not None:
            for word, codes in china.shorts.items():
                out.setdefault(word, (_SHORT, "short", codes, word, False))
        return out

    def _town_code(self, name: str) -> str:
        t = self.townships[name]
        return t.code or ("Y:" + t.name)

    _KINDS = {"区": "区", "县": "县", "市": "市", "旗": "旗"}

    def _self_kinds(self, words: list[str], text: str, offsets: list[int]) -> frozenset:
        """区 for 我区/区委/全区 (the yaml's self_references: a word starting with one), 县 for
        我县/全县/县委 … Found in the text and checked against the token bounds (`offsets`,
        where each word starts, and the text's end) rather than word by word."""
        kinds = set()
        n = len(offsets)

        def token(q: int) -> int:  # the token starting at q, or -1
            i = bisect_left(offsets, q)
            return i if i < n and offsets[i] == q else -1

        search = self._self_pattern().search
        m = search(text)
        while m is not None:
            i = token(m.start())
            if i >= 0 and i < n - 1 and words[i].startswith(self._self_prefixes):  # a word starts with one
                kinds.add("区")
                break
            m = search(text, m.start() + 1)  # overlapping: 我区委 may hide 区委
        for m in _KIND_CHAR.finditer(text):
            q = m.start()
            c = text[q]
            if c in kinds:
                continue
            i = token(q)
            if i >= 0:
                w = words[i]
                if w[1:3] in _KIND_WORDS or (i > 0 and words[i - 1] in _SELF_CHARS):  # 县委 / 我 + 县…
                    kinds.add(c)
            elif q > 0 and text[q - 1] in _SELF_CHARS and token(q - 1) >= 0 and token(q + 1) >= 0:
                kinds.add(c)  # 我县 / 全市 / 本旗 as one word of two characters
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
        now = self._now
        # context: what the text names without doubt, and the home
        counties = set()
        sure = []
        for _, _, level, codes, _, trusted in mentions:
            if len(codes) == 1:
                c = codes[0]
                if level == "county":
                    counties.add(now(c))
                if not c.startswith("Y:") and (level != "short" or len(c) <= 4):  # 光明 alone says nothing of 深圳
                    sure.append(c)
            elif trusted and level == "county":
                counties.add(now(codes[0]))
        cities = {c[:4] for c in sure if len(c) >= 4} | {now(c)[:4] for c in counties}
        provinces = {c[:2] for c in sure} | {c[:2] for c in cities}
        hcode = now(home.code) if home is not None and len(home.code) == 6 else (home.code if home else "")
        towns, county_tags = self._tags_on(date)
        district_hits: dict[str, int] = {}
        street_hits: dict[str, int] = {}
        codes_hits: dict[str, int] = {}
        street_districts: dict[str, str] = {}
        first: dict[str, int] = {}
        before_end = -1
        before_code: str | None = None
        for n, (start, end, level, codes, form, trusted) in enumerate(mentions):
            if len(codes) == 1 and (trusted or level != "short"):
                code = codes[0]
            else:
                code = self._choose(codes, level, trusted, before_end == start, before_code,
                                    counties, cities, provinces, hcode)
            before_end, before_code = end, code
            if code is None or len(code) == 4 or len(code) == 2:
                continue
            if level == "township" or len(code) > 6:
                tag = towns.get(code)
                if tag is None:
                    tag = towns[code] = self._town_tag(code, date)
                street, district, counted, dcode = tag
                if street is not None:
                    if street is _FORM:
                        street = form
                    street_hits[street] = street_hits.get(street, 0) + 1
                    if street not in first:
                        first[street] = n
                    if district is not None and street not in street_districts:
                        street_districts[street] = district
                if district is None:
                    continue
            else:
                tag = county_tags.get(code)
                if tag is None:
                    tag = county_tags[code] = self._county_tag(code, date)
                district, counted, dcode = tag
            if not counted:
                continue
            district_hits[district] = district_hits.get(district, 0) + 1
            if dcode:
                codes_hits[dcode] = codes_hits.get(dcode, 0) + 1
            if district not in first:
                first[district] = n
        order = lambda c: sorted(c, key=lambda n: (-c[n], first[n], n))  # noqa: E731
        return Places(order(district_hits), order(street_hits), Counter(district_hits), bool(kinds), kinds,
                      Counter(codes_hits), street_districts)

    def _tags_on(self, date: str | None) -> tuple[dict, dict]:
        """The tables `resolve` fills as it meets codes: code → what it tags on `date`, one pair
        of tables per stretch of dates between the gazetteer's changes (港闸区 until 2020-06-05
        …: every date in a stretch tags alike), so they hold at most a few entries per code."""
        changes = self.__dict__.get("_changes")
        if changes is None:
            dates = set()
            for t in self.townships.values():
                dates.update(str(p["until"]) for p in t.before)
            for d in self.districts.values():
                dates.update(str(x) for x in (d.valid_from, d.valid_until) if x)
            changes = self._changes = (sorted(dates), {})
        bounds, tables = changes
        stretch = bisect_right(bounds, date or _LATEST)
        out = tables.get(stretch)
        if out is None:
            out = tables[stretch] = ({}, {})
        return out

    def _town_tag(self, code: str, date: str | None) -> tuple:
        """(street or `_FORM` (the name as written) or None, district tag or None, whether the
        district counts (a county-level one), its code) of a township code on `date`."""
        t = self._town_by_code.get(code) or (self.townships.get(code[2:]) if code.startswith("Y:") else None)
        if t is not None:
            street = t.name if t.kind in STREET_KINDS else None
            district = t.district_on(date)
            if district is None:
                return street, None, False, None
            district = self.district_on(district, date)
        else:
            street = _FORM
            district = self.district_on(self.key(code[:6]), date)
        return (street, *self._county_tag_of(district))

    def _county_tag(self, code: str, date: str | None) -> tuple:
        """(district tag, whether it counts, its code) of a county code on `date`."""
        return self._county_tag_of(self.district_on(self.key(code) if not code.startswith("Y:") else code[2:], date))

    def _county_tag_of(self, district: str) -> tuple:
        d = self.districts.get(district)
        if d is not None and not d.county_level:
            return district, False, None
        return district, True, self.code_of(district)

    def _choose(self, codes: tuple, level: str, trusted: bool, adjacent: bool, adjacent_code: str | None,
                counties: set, cities: set, provinces: set, home: str) -> str | None:
        """The one code a mention (its `codes`, `level`, `trusted`) means, or None. Context,
        nearest first: the county or city written right before it (`adjacent`: a mention ends
        where it starts, meaning `adjacent_code`: 萧山区瓜沥镇, 北京市通州区), the counties the
        article names, the home county, the cities the article names, the home city, the home
        province and the provinces named. A level that leaves one candidate decides; none
        leaves None."""
        if len(codes) == 1:
            return codes[0] if (trusted or level != "short" or self._short_ok(codes[0], cities, provinces, home)) else None
        now = self._now
        if level == "short":
            codes = tuple(c for c in codes if len(c) == 6) or codes
        steps: list = []
        if adjacent and adjacent_code is not None:
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
        areas = None
        for n, step in enumerate(steps):
            if not step:
                continue
            if areas is None:
                areas = [self._area(c) for c in codes]
            prefixes = tuple(now(p) if len(p) == 6 else p for p in ((step,) if isinstance(step, str) else step))
            options = [c for c, area in zip(codes, areas) if area.startswith(prefixes)]
            if len(options) == 1:
                return options[0]
            if len(options) > 1 or (n == 0 and adjacent):
                return None  # 秦安县城关镇: that county has none, so no other one is meant
        return None

    def _area(self, code: str) -> str:
        """A code as today's area (港闸区's streets are in 崇川区 320613), for prefix tests: a
        yaml-only place by its district's code, a made-up township code (320613Y001) by its
        county's. Memoised per code."""
        out = self._areas.get(code)
        if out is None:
            here = code
            if here.startswith("Y:"):
                t = self.townships.get(here[2:])
                d = self.districts.get(t.district if t else here[2:])
                here = d.code if d is not None and d.code else here
            if len(here) > 6 and "Y" in here:
                here = here[: here.index("Y")]
            out = self._areas[code] = self._now(here[:6]) + here[6:]
        return out

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
