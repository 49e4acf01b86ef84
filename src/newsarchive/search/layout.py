"""The layout of the search index's files, and the sizes that shape it.

The browser side (``static/search.js``) cannot ``fetch()`` local files, so every
piece of the index is a small JavaScript file that calls a global function when
loaded with a ``<script>`` tag; the page knows which file it asked for.

Compact binary in a script: every index file but the manifest and the inflater
is UTF-16LE with a byte-order mark (which a browser honours over any HTTP
charset), holding ``__na("keys","units")`` or ``__na("units")``: *units* is
binary data, 47 bits per three UTF-16 code units (three base-``RADIX`` digits
``UNIT0 + q``, U+0100–U+CC2F: never a quote, backslash, line break or
surrogate): 98 % of the file's bits are payload.  Inside, byte strings: LEB128
numbers, bit-coded posting lists, and raw deflate (inflated in the browser by
``inflate.js``, fflate's inflate, which takes the preset dictionary of the
text parts: ``DecompressionStream`` cannot).

Layout of ``search/`` (all paths deterministic; identical input gives
byte-identical files):

``manifest.js``
    (UTF-8 JSON) counts, bucket counts, facet values (districts, streets,
    topics, years), the text-code table check.
``p/<b>.js``, ``n/<b>.js``
    posting lists, hashed into ``buckets`` (p/) and ``tbuckets`` (n/) files by
    key (FNV-1a of the key's UTF-16 units): a query needs one file of each
    layer per key, all in one round.  The *head* layer ``p/`` holds the lists
    of every range before ``tail`` (the newest range), the *tail* layer ``n/``
    those of range ``tail``: a new issue rewrites the small tail and leaves
    the head as it is until the newest range is full.  A key is a
    character bigram (both characters letters or digits, after a 1:1
    normalisation: NFKC where it maps one char to one char, lower case), a
    single character (``UNI`` + the character: its body list holds docs only)
    or a facet key (``#d港闸区``, ``#s…``, ``#t…``, ``#p…``, ``#y2020``).  Per
    key and layer: ``LEB(4·nr + 2·title + big)``, for a *big* list ``LEB(df)``
    (in that layer), if ``title`` ``LEB(2·nt + tbig)``; then the body list:
    ``nr`` × (``LEB(range gap)`` segment; the first gap counts from range -1),
    where a big list has a segment only for the ranges from ``inline`` (in the
    manifest: the last range of the head; every range of the tail) on, as
    ``LEB(byte length)`` segment (decoded when read), its older segments being
    in the chunk files; then the title list: ``nt`` × (``LEB(range gap)``
    segment) over kicker + title + subtitle (the prefix of
    ``Article.body_text``), for the whole layer: title matches rank first.
    A *tbig* title list (more than ``TITLE_BIG`` bytes in the layer) has
    ``LEB(byte length)`` before each segment: the client decodes it a range
    at a time, as it reads the body lists, so a word in thousands of titles
    does not hold up the first answer; a smaller one is decoded whole, so its
    title matches rank first over the whole archive.
``c/<r>/<k>.js``
    the segments of big lists for an older doc range ``r`` (``RANGE`` docs
    each), hashed into ``cbuckets[r]`` files.  A query reads the newest ranges
    first (in the bucket files) and stops once it has enough results, so
    common words cost a bounded number of bytes.
``m/<doc // meta>.js``
    ``LEB(n)`` + deflate of the UTF-8 JSON list of (url, title, date,
    districts, kicker, place in its text shard) of ``meta`` consecutive
    articles: loaded for the results listed.
``d/<first doc>.js``, ``d/<doc>-<part>.js``
    the article text in parts of ``PART`` characters (plus an overlap), each
    ``LEB(n)`` + deflate of a compact code (``text.encode_text``: the frequent
    characters get one ASCII byte, the GB2312 hanzi two), deflated with the
    preset dictionary ``z.js``.  The first parts of consecutive docs of a range
    are packed into shards named by their first doc, ``LEB(len) part`` each, of
    at most ``TEXT_FILE`` bytes (one file-system block, not a file per
    article); the meta row says where in its shard a doc is.  Later parts of a
    long article are files of their own.  Loaded only for results shown with a
    snippet, only the part holding the first match.
``z.js``: loaded only for results shown with a snippet,
    only the part holding the first match.
``z.js``
    ``LEB(n)`` + deflate of that dictionary (``ZDICT`` bytes of text code,
    trained on the oldest articles by ``text.train_dictionary``).
``inflate.js``
    (UTF-8) the vendored inflater, registering itself as ``__na(fflate)``.
``t2s.js``, ``chars.js``, ``dates.js``
    the traditional → simplified folding table, the text-code table (for a
    browser without a GB2312 ``TextDecoder``), and where each date's docs start.

A bucket file's keys are its first argument, joined by U+FFFF, in code point
order; its units are, per key, ``LEB(len) bytes``.

A *segment* is the list of one key in one doc range, bit-coded (MSB first)
and padded to a byte: ``gamma(n)``, ``k_d`` (4 bits); for a positional list
also ``k_p`` (4), ``multi`` (1) and, if ``multi``, ``k_g`` (4); then per doc
entry ``rice(doc gap, k_d)`` (gap from the previous doc of the list, or from
the range start), and for a positional list: if ``multi``, one bit "tf > 1"
and then ``gamma(tf - 1)``; ``rice(first position, k_p)``, and
``rice(position gap - 1, k_g)`` for the others.  ``rice(v, k)``: ``v >> k``
zeros, a one, the low ``k`` bits of ``v``; from ``QMAX`` zeros on (no one
after them): ``gamma(v + 1)``.  ``gamma(v ≥ 1)``: bit length - 1 zeros, then
``v``.  The builder picks each ``k`` to minimise the segment.  Positions count
characters of the normalised ``body_text``, so the client checks that the
bigrams of a query sit next to each other (区委 … 书记 apart does not match
区委书记).

The other modules read the sizes below as ``layout.RANGE`` (not imported by
name), so a test sets a small range in one place.
"""
from __future__ import annotations

import math

VERSION = 6
RANGE = 1024  # documents per range (big lists are cut at range boundaries)
META = 32  # articles per meta file: results ranked over the whole archive need one each
PART = 2000  # characters per stored text part
TEXT_FILE = 4096  # most bytes of a text shard (one file-system block), unless one article needs more
OVERLAP = 60  # extra characters at the end of each part, for snippets
BIG = 2048  # a list longer than this (in bytes) is cut into range segments
BUCKET_TARGET = 3072  # aimed-for payload bytes per posting file
CHUNK_TARGET = 6144
TITLE_BIG = 2048  # a title list longer than this (in bytes, in a layer) is decoded a range at a time
QMAX = 20  # rice codes: this many zeros start an escape (gamma of v + 1)
KMAX = 15
ZDICT = 16384  # bytes of the shared deflate dictionary of the text parts (``z.js``)
ZSAMPLE = 1 << 20  # text-code bytes of the oldest articles it is trained on
PERSONS = 300  # names offered by the person filter (the most used; in the manifest every page loads)

SEP = "\uffff"  # between the keys of a bucket file
UNI = "\x00"  # a single character's key: UNI + the character (its list holds docs only)
CP = 0x110000  # a bigram's code: first code point * CP + second (its order is the string order)
GROUP_BITS = 47  # bits carried by three code units
RADIX = 52016  # ⌈2 ** (47 / 3)⌉: three digits of this base hold 47 bits
UNIT0 = 0x0100  # code unit of digit 0 (digits end at U+CC2F: no quote, backslash, line break or surrogate)


def meta_per_file() -> int:
    """Articles per meta file: a divisor of RANGE, so that meta files never straddle ranges."""
    return math.gcd(META, RANGE)
