"""Full-text search index for Chinese text that works from ``file://``.

The modules, in the order a build uses them:

- `layout`: the files of ``search/`` and their format, the sizes that shape them;
- `text`: character folding, the text code of stored parts, bytes as script text, deflate;
- `postings`: LEB128 and the Rice-coded posting segments (numpy);
- `docs`: the archive's articles numbered into docs, and what the index holds of each;
- `build`: one range of docs built into segments, text parts and meta files;
- `merge`: the segments of many ranges laid out into one layer's bucket files;
- `emit`: every file kept as the previous build made it, or written;
- `cache`: the search cache (ranges, text dictionary, state) and when it may be reused;
- `write`: `write_search_index`, which runs them.

The browser side is ``static/search.js``; ``tests/search_reference.py`` is the plain
Python meaning of `build`, checked to write the same bytes.
"""
from __future__ import annotations

import os

# numpy without BLAS threads: OpenBLAS would start one per core on import, beside the
# build's own processes (see `runtime`), and the index does no linear algebra
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .docs import title_prefix  # noqa: E402
from .text import (  # noqa: E402
    decode_text,
    encode_text,
    fnv,
    from_units,
    is_word,
    join_keys,
    normalize,
    split_keys,
    to_units,
    train_dictionary,
    unit_count,
)
from .write import write_search_index  # noqa: E402

__all__ = [
    "write_search_index", "normalize", "encode_text", "decode_text", "fnv", "to_units", "from_units",
    "unit_count", "is_word", "join_keys", "split_keys", "train_dictionary", "title_prefix",
]
