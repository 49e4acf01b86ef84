"""YAML of the data files and `site.yaml`: read with libyaml's safe loader when PyYAML
has it (~10x faster), and PyYAML imported only when a file must be parsed: with a
cache folder the parsed data is kept by the file's digest (importing PyYAML alone
took ~0.03 s of every process that loads the tagger or the site settings, on the
path of a one-issue rebuild). A file that is not valid YAML raises `yaml.YAMLError`."""
from __future__ import annotations

import hashlib
from pathlib import Path

KIND = "yaml/1"


def read_yaml(path: Path | str, cache_dir: Path | None = None) -> object:
    raw = Path(path).read_bytes()
    kept = None
    if cache_dir is not None:
        from .cache import load_marshal

        kept = Path(cache_dir) / "yaml" / f"{hashlib.blake2b(raw, digest_size=16).hexdigest()}.marshal"
        data = load_marshal(kept, KIND)
        if data is not None:
            return data
    import yaml

    data = yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if kept is not None and data is not None:
        from .cache import dump_marshal

        try:
            dump_marshal(kept, KIND, data)
        except ValueError:  # a value marshal does not take (a YAML date, say): parsed every time
            pass
    return data
