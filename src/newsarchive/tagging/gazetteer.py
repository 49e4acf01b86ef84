"""Places: Nantong's county-level divisions and their streets/towns, by date.

Matching works on segmenter tokens, not substrings, so overlapping names stay
apart (南通 vs 通州, 海安 vs 海门, 长江镇 vs 长江): every name below is fed to
the segmenter as a user word first, so 天生港镇街道 or 东海镇 come out whole.
A street names its district for the issue date (幸福街道 is 港闸区 until
2020-06-05, 崇川区 after); a defunct district name follows its successor.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..yamlfile import read_yaml
from .segment import Token

#: township kinds reported in `Article.streets` (zones and farms only imply a district)
STREET_KINDS = ("subdistrict", "town")
#: a short name followed by one of these is part of an organisation's name, not a place
_ORG_TAILS = ("公司", "集团", "有限公司", "分公司")
_CONJUNCTIONS = ("、", "和", "及", "与")
_SUFFIXES = ("街道", "镇")
_LATEST = "9999-12-31"


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


@dataclass
class Township:
    name: str
    kind: str
    district: str | None
    before: list[dict] = field(default_factory=list)  # [{until, district}], oldest first
    aliases: list[str] = field(default_factory=list)

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
    self_reference: bool  # 我区, 区委, 全区 …


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

    @classmethod
    def load(cls, paths: Iterable[Path], cache_dir: Path | None = None) -> "Gazetteer":
        """Merge gazetteer files in order: later ones add entries and override by name."""
        districts: dict[str, District] = {}
        townships: dict[str, Township] = {}
        aliases: dict[str, str] = {}
        self_refs: list[str] = []
        for path in paths:
            data = read_yaml(path, cache_dir) or {}
            for d in data.get("districts") or []:
                old = districts.get(d["name"])
                merged = {**(vars(old) if old else {}), **d}
                districts[d["name"]] = District(**{k: merged[k] for k in District.__dataclass_fields__ if k in merged})
            for t in data.get("townships") or []:
                old = townships.get(t["name"])
                merged = {**(vars(old) if old else {}), **t}
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
        """The name a district has on `date`: 港闸区 in 2022 is 崇川区, 海门区 in 2019 is 海门市."""
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
    def find(self, tokens: list[Token], date: str | None) -> Places:
        """Places in a token stream; a street implies its district, nothing else is guessed."""
        district_hits: Counter = Counter()
        street_hits: Counter = Counter()
        first: dict[str, int] = {}
        words = [t[0] for t in tokens]
        prefixes = self._self_prefixes  # 区委, 区委书记, 全区, 我区
        self_ref = any(map(lambda w: w.startswith(prefixes), words))
        interesting = self._interesting
        for i, word in enumerate(words):
            if word not in interesting:  # nearly every word: leave at once
                continue
            hit = self._forms.get(word)
            if hit is None:
                street = self._stems.get(word)
                if street and self._coordinated(words, i, street):
                    hit = ("township", street)
                else:
                    continue
            kind, name = hit
            if kind == "short" and self._in_org_name(words, i):
                continue
            if kind == "township":
                t = self.townships[name]
                if t.kind in STREET_KINDS:
                    street_hits[name] += 1
                    first.setdefault(name, i)
                district = t.district_on(date)
                if district is None:
                    continue
            else:
                district = name
            if not self.districts.get(district, District(district)).county_level:
                continue
            district = self.district_on(district, date)
            district_hits[district] += 1
            first.setdefault(district, i)
        order = lambda c: sorted(c, key=lambda n: (-c[n], first[n], n))  # noqa: E731
        return Places(order(district_hits), order(street_hits), district_hits, self_ref)

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
