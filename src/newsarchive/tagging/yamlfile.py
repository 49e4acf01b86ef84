"""The data files' YAML: read with libyaml's safe loader when PyYAML has it (~10x
faster), and PyYAML imported only when a file is read (~0.03 s of every process
that imports the tagger, most of which read no data file)."""
from __future__ import annotations

from pathlib import Path


def read_yaml(path: Path | str) -> object:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)
