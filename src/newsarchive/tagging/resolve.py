"""Resolving an article's place mentions (see `scan`) to codes, and the codes to tags on a date.

A name only one place has needs no context. A name several places share (88 × 城关镇,
2 × 通州区) resolves by what is nearest: a county or city written right before it, a county
the article names, the issue's home county, the cities the article names, the home city,
the home province, the provinces named; without such context it gets no tag. What a code
tags depends on the date only through the gazetteer's changes (港闸区 until 2020-06-05),
so it is worked out once per code and stretch of dates between them.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .scan import Mention, SelfKinds

if TYPE_CHECKING:
    from .gazetteer import Gazetteer

#: township kinds reported in `Article.streets` (zones and farms only imply a district)
STREET_KINDS = ("subdistrict", "town")
LATEST = "9999-12-31"
#: `Resolver._town_tag`: the street is the name as the text writes it
_FORM = object()


@dataclass
class Places:
    """What one text mentions: ordered by how often, then first mention."""

    districts: list[str]
    streets: list[str]
    counts: Counter  # district → weight, for choosing an issue's own district
    #: 区 县 市 旗: which kind of 我X / 全X / X委 the text has (a set, or `scan.SelfKinds`)
    self_kinds: "frozenset | SelfKinds" = frozenset()
    codes: Counter = field(default_factory=Counter)  # county code → mentions (for the home)
    street_districts: dict = field(default_factory=dict)  # street → the district (tag key) it is in on the date

    @property
    def self_reference(self) -> bool:
        """我区, 区委, 全区 …: any of `self_kinds`."""
        return bool(self.self_kinds)


@dataclass(frozen=True)
class Home:
    """Where a publication is: a county (or only a city or province), and how that is known.

    `source` is site.yaml, front-matter, publication (the paper's name: 宝安日报) or
    inferred (from the text); `confidence` 1.0 when stated, 0.9 from the paper's name, else
    the share of the issue's place-naming articles that name it (self-references counted)."""

    code: str  # 2, 4 or 6 digits
    source: str
    confidence: float = 1.0
    evidence: str = ""

    @property
    def county(self) -> str | None:
        return self.code if len(self.code) == 6 else None


class Resolver:
    """`Gazetteer.resolve`, with what it learns per code (made once per attached national layer)."""

    def __init__(self, gazetteer: "Gazetteer"):
        self.g = gazetteer
        self._now = gazetteer._now
        self._areas: dict = {}  # code → `_area`
        self._changes = None  # (dates of the gazetteer's changes, per stretch the tables of `_tags_on`)

    def resolve(self, scanned: tuple[list[Mention], SelfKinds], date: str | None, home: Home | None = None) -> Places:
        """Codes for the mentions, by context; then the tags on `date`."""
        mentions, kinds = scanned
        counties, cities, provinces = self._context(mentions)
        now = self._now
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
        return Places(order(district_hits), order(street_hits), Counter(district_hits), kinds,
                      Counter(codes_hits), street_districts)

    def _context(self, mentions: list[Mention]) -> tuple[set, set, set]:
        """What the text names without doubt: the counties, cities and provinces (as today's codes)."""
        now = self._now
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
        return counties, cities, provinces

    def _tags_on(self, date: str | None) -> tuple[dict, dict]:
        """The tables `resolve` fills as it meets codes: code → what it tags on `date`, one pair
        of tables per stretch of dates between the gazetteer's changes (港闸区 until 2020-06-05
        …: every date in a stretch tags alike), so they hold at most a few entries per code."""
        changes = self._changes
        if changes is None:
            dates = set()
            for t in self.g.townships.values():
                dates.update(str(p["until"]) for p in t.before)
            for d in self.g.districts.values():
                dates.update(str(x) for x in (d.valid_from, d.valid_until) if x)
            changes = self._changes = (sorted(dates), {})
        bounds, tables = changes
        stretch = bisect_right(bounds, date or LATEST)
        out = tables.get(stretch)
        if out is None:
            out = tables[stretch] = ({}, {})
        return out

    def _town_tag(self, code: str, date: str | None) -> tuple:
        """(street or `_FORM` (the name as written) or None, district tag or None, whether the
        district counts (a county-level one), its code) of a township code on `date`."""
        t = self.g._town_by_code.get(code) or (self.g.townships.get(code[2:]) if code.startswith("Y:") else None)
        if t is not None:
            street = t.name if t.kind in STREET_KINDS else None
            district = t.district_on(date)
            if district is None:
                return street, None, False, None
            district = self.g.district_on(district, date)
        else:
            street = _FORM
            district = self.g.district_on(self.g.key(code[:6]), date)
        return (street, *self._county_tag_of(district))

    def _county_tag(self, code: str, date: str | None) -> tuple:
        """(district tag, whether it counts, its code) of a county code on `date`."""
        return self._county_tag_of(self.g.district_on(self.g.key(code) if not code.startswith("Y:") else code[2:], date))

    def _county_tag_of(self, district: str) -> tuple:
        d = self.g.districts.get(district)
        if d is not None and not d.county_level:
            return district, False, None
        return district, True, self.g.code_of(district)

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
                t = self.g.townships.get(here[2:])
                d = self.g.districts.get(t.district if t else here[2:])
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
