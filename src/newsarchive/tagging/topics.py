"""Topics: 1–3 per article from the TF-IDF weight its words give each topic's seed terms.

The taxonomy is data (`data/topics.yaml`: topic → description, seed terms with
optional weights), so editors add topics or terms without code; no article is
ever assigned a topic by hand.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..yamlfile import read_yaml


MAX_TOPICS = 3
#: a second or third topic must carry at least this share of the best one's score
RUNNER_UP_SHARE = 0.35


@dataclass
class Topic:
    name: str
    description: str = ""
    terms: dict[str, float] = field(default_factory=dict)


def _terms(raw) -> dict[str, float]:
    if isinstance(raw, dict):
        return {str(k): float(v if v is not None else 1) for k, v in raw.items()}
    return {str(t): 1.0 for t in raw or []}


class Taxonomy:
    def __init__(self, topics: list[Topic]):
        self.topics = topics

    @classmethod
    def load(cls, paths: Iterable[Path], cache_dir: Path | None = None) -> "Taxonomy":
        """Merge taxonomy files in order: later ones add topics and seed terms."""
        merged: dict[str, Topic] = {}
        for path in paths:
            data = read_yaml(path, cache_dir) or {}
            for name, spec in (data.get("topics") or {}).items():
                spec = spec or {}
                topic = merged.setdefault(str(name), Topic(str(name)))
                topic.description = spec.get("description", topic.description)
                topic.terms.update(_terms(spec.get("terms")))
        return cls(list(merged.values()))

    def seed_terms(self) -> list[str]:
        return sorted({t for topic in self.topics for t in topic.terms})

    def scores(self, weights: dict[str, float]) -> list[tuple[str, float]]:
        """Each topic's score: its seed terms' TF-IDF weights in the article, times the seed weights."""
        out = []
        for topic in self.topics:
            score = sum(w * weights.get(term, 0.0) for term, w in topic.terms.items())
            if score > 0:
                out.append((topic.name, score))
        order = {t.name: i for i, t in enumerate(self.topics)}
        return sorted(out, key=lambda kv: (-kv[1], order[kv[0]]))

    def choose(self, weights: dict[str, float]) -> list[str]:
        ranked = self.scores(weights)
        if not ranked:
            return []
        best = ranked[0][1]
        return [name for name, score in ranked[:MAX_TOPICS] if score >= best * RUNNER_UP_SHARE]
