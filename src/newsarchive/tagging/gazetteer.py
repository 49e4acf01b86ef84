"""Places: every county-level division and street/town of China, by date.

Two layers. `gazetteer.yaml` (南通, with its 2020 history, and an archive's own
additions) is matched on segmenter tokens, so overlapping names stay apart
(南通 vs 通州, 海安 vs 海门, 长江镇 vs 长江): those names are user words of the
segmenter, so 天生港镇街道 or 东海镇 come out whole. The national layer
(`china.China`, ~42,000 names) is matched in the text itself, never given to the
segmenter (see china.py). A street names its district for the issue date (幸福街道
is 港闸区 until 2020-06-05, 崇川区 after); a defunct district name follows its successor.

This module holds the divisions and their names, keys and chains; finding names in a
text is `scan.Scanner`, choosing what they mean and tag is `resolve.Resolver`.
"""
from __future__ import annotations

import re

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..yamlfile import read_yaml
from .china import China
from .resolve import LATEST, STREET_KINDS, Home, Places, Resolver
from .scan import SUFFIXES, Mention, Scanner, SelfKinds
from .segment import Token

#: what a paper's name adds to its place's: 萧山日报, 宝安新闻网, 福鼎市融媒体中心, 荣昌报
_PAPER_SUFFIX = re.compile(r"(?:日报|晚报|时报|新闻网|新闻|融媒体中心|融媒|电视台|网|报)+$")

__all__ = ["District", "Township", "Gazetteer", "Home", "Places", "PlaceNames", "STREET_KINDS"]


class PlaceNames(frozenset):
    """Every name the gazetteer matches as a place (both layers' full names, the yaml layer's
    short names, stems and aliases), with the look-up `newsarchive check` needs: `knows`."""

    def __new__(cls, names, shorts=()):
        out = super().__new__(cls, names)
        out._shorts = frozenset(shorts)
        out._prefixes = None
        return out

    def knows(self, candidate: str) -> bool:
        """Whether a known name starts with `candidate` (唐闸镇 of 唐闸镇街道) or `candidate` ends
        with one (崇川区幸福街道): set look-ups of the candidate's suffixes, and of a set of every
        known name's prefixes (made on first use)."""
        if self._prefixes is None:
            self._prefixes = frozenset(n[:k] for n in self | self._shorts for k in range(1, len(n) + 1))
        if candidate in self._prefixes:
            return True
        return any(candidate[i:] in self or candidate[i:] in self._shorts for i in range(len(candidate) + 1))


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
            if (date or LATEST) < str(period["until"]):
                return period["district"]
        return self.district


class Gazetteer:
    def __init__(self, districts: dict[str, District], townships: dict[str, Township],
                 aliases: dict[str, str], self_references: Iterable[str]):
        self.districts = districts
        self.townships = townships
        self.aliases = aliases
        self.self_references = frozenset(self_references)
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
        self._matchers = None  # (`Scanner`, `Resolver`, the national layer they were made for)
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
        self._matchers = None
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

    def home_of_paper(self, publication: str | None) -> str | None:
        """The county a paper's name names: 萧山日报 → 萧山区, 宝安日报 → 宝安区, 绛县报 →
        绛县; None for a city's or province's paper (郑州日报) or a name that is no place."""
        stem = _PAPER_SUFFIX.sub("", (publication or "").strip())
        code = self.resolve_home(stem) if len(stem) >= 2 else None
        return code if code is not None and len(code) == 6 else None

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
        """Every surface form of the yaml layer matched as a place, sorted."""
        return sorted(self._forms)

    def place_names(self) -> PlaceNames:
        """The yaml layer's forms and the national layer's full names; its short names
        (萧山, 景德镇) are known to `PlaceNames.knows` too."""
        china = self.china
        if china is None:
            return PlaceNames(self._forms)
        return PlaceNames(set(self._forms).union(china.full), china.shorts)

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
            for suffix in SUFFIXES:
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
        when = date or LATEST
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
    # -- matching -----------------------------------------------------------
    def find(self, tokens: list[Token], date: str | None, home: Home | None = None) -> Places:
        """Places in a token stream; a street implies its district, nothing else is guessed."""
        return self.resolve(self.scan(tokens), date, home)

    def scan(self, *parts: list[Token], text: str | None = None) -> "tuple[list[Mention], SelfKinds]":
        """Every place name in the token lists `parts`, read as one stream (an article's head
        and body; `text`: their words joined, when known), with the codes it can mean, in
        text order, and the kinds of self-reference (我区 → 区, 全县 → 县 …) the text makes."""
        return self._matching()[0].scan(parts, text)

    def resolve(self, scanned: "tuple[list[Mention], SelfKinds]", date: str | None, home: Home | None = None) -> Places:
        """Codes for the mentions, by context; then the tags on `date` (see `resolve.Resolver`)."""
        return self._matching()[1].resolve(scanned, date, home)

    def _matching(self) -> "tuple[Scanner, Resolver]":
        """The scanner and resolver of the attached national layer (made on first use)."""
        out = self._matchers
        if out is None or out[2] is not self.china:
            out = self._matchers = (Scanner(self), Resolver(self), self.china)
        return out

    def _town_code(self, name: str) -> str:
        t = self.townships[name]
        return t.code or ("Y:" + t.name)

