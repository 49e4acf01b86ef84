/* newsarchive full-text search: works from file:// (index files are <script>s
 * that call window.__naSearch.add(name, data)); see src/newsarchive/search.py
 * for the index format. No fetch, no wasm; raw deflate is inflated by fflate (search/inflate.js). */
(function () {
  'use strict';
  var A = '';
  for (var c = 0x21; c < 0x7f; c++) if (c !== 0x22 && c !== 0x5c) A += String.fromCharCode(c);
  var AI = {};
  for (var i = 0; i < A.length; i++) AI[A[i]] = i;
  var WORD = /[\p{L}\p{N}]/u;
  var PAGE = 10;      // results shown with a snippet, per step
  var LINKS = 10;     // results listed (title, date, district); small archives list all
  var MORE_LINKS = 100;  // more titles listed per press of 更多结果 (their meta files hold 128 each)
  var ENOUGH = 50;    // the first screen is painted once this many results are found
  // After the first screen every other range is read, so the ranking and the count are over
  // all matches; while the posting files this query loaded stay under this many bytes (a
  // common word of a huge archive stops there, says so, and 更多结果 reads on)
  var BUDGET = 88 * 1024;
  var CHUNK_FILE = 6400;  // bytes of a typical c/ chunk file (search.py CHUNK_TARGET, as code units)

  var reg = window.__naSearch = window.__naSearch || {};
  if (reg.enough) ENOUGH = reg.enough;  // (tests set these before the script runs)
  if (reg.budget) BUDGET = reg.budget;
  var store = reg.store = reg.store || {};
  var pending = {};
  var loadedBytes = 0;

  var me = document.currentScript;
  var root = (me && me.getAttribute('data-search-root')) ;
  if (root == null) {
    var holder = document.querySelector('[data-search-root]');
    root = holder ? holder.getAttribute('data-search-root') : '';
    if (!holder && me && me.src) root = me.src.replace(/static\/search\.js(\?.*)?$/, '');
  }

  reg.add = function (name, data) {
    store[name] = data;
    var p = pending[name];
    if (p) { delete pending[name]; p.forEach(function (f) { f[0](data); }); }
  };
  // index files call __na(data) or __na(keys, units); the script element says which file it is
  window.__na = function (a, b) {
    var s = document.currentScript, name = s && s._naName;
    if (name != null) reg.add(name, b === undefined ? a : [a, b]);
  };

  function has(name) { return Object.prototype.hasOwnProperty.call(store, name); }
  // bytes of a loaded index file (UTF-16: two per code unit)
  function fileBytes(name) {
    var d = store[name];
    if (typeof d === 'string') return 2 * d.length;
    if (Array.isArray(d)) return 2 * d.reduce(function (n, x) { return n + (typeof x === 'string' ? x.length : 0); }, 0);
    return 0;
  }
  function load(name) {
    if (has(name)) return Promise.resolve(store[name]);
    return new Promise(function (ok, fail) {
      if (pending[name]) { pending[name].push([ok, fail]); return; }
      pending[name] = [[ok, fail]];
      var s = document.createElement('script');
      s._naName = name;
      s.src = root + 'search/' + name + '.js';
      s.async = true;
      var failAll = function (why) {
        var p = pending[name];
        delete pending[name];
        if (p) p.forEach(function (f) { f[1](new Error(why + ': search/' + name + '.js')); });
      };
      s.onerror = function () { failAll('无法加载索引文件'); };
      s.onload = function () { if (pending[name]) failAll('索引文件内容不对'); };
      document.head.appendChild(s);
    });
  }

  // ---- decoding -----------------------------------------------------------
  // code units -> bytes: three base-52016 digits (U+0100 + q) carry 47 bits, MSB first
  var RADIX = 52016, U0 = 0x100;
  function unitBytes(s) {
    var ng = Math.floor(s.length / 3), out = new Uint8Array(Math.floor(ng * 47 / 8)), acc = 0, n = 0, j = 0;
    for (var i = 0; i + 2 < s.length; i += 3) {
      var v = ((s.charCodeAt(i) - U0) * RADIX + (s.charCodeAt(i + 1) - U0)) * RADIX + (s.charCodeAt(i + 2) - U0);
      var hi = Math.floor(v / 16777216);  // 23 bits, then 24
      acc = (acc << 23) | hi; n += 23;
      while (n >= 8) { n -= 8; out[j++] = (acc >>> n) & 255; }
      acc = (((acc & ((1 << n) - 1)) << 24) | (v - hi * 16777216)) >>> 0; n += 24;
      while (n >= 8) { n -= 8; out[j++] = (acc >>> n) & 255; }
      acc &= (1 << n) - 1;
    }
    return out;
  }
  function leb(b, st) {
    var v = 0, mul = 1, x;
    do { x = b[st.i++]; v += (x & 127) * mul; mul *= 128; } while (x & 128);
    return v;
  }
  // Bit reading, MSB first, 32 bits at a time (`Math.clz32` counts a unary run
  // in one step): decoding is most of the work between the files arriving and
  // the first results, and it runs cold (a fresh page has no optimised code).
  var QMAX = 20;
  // the 32 bits from bit p (bytes past the end read as 0)
  function peek(b, p) {
    var j = p >> 3, s = p & 7;
    var w = ((b[j] << 24) | (b[j + 1] << 16) | (b[j + 2] << 8) | b[j + 3]) >>> 0;
    return s ? ((w << s) | (b[j + 4] >>> (8 - s))) >>> 0 : w;
  }
  // one segment at byte i: adds doc -> positions (or true) to map, or (a positional
  // segment) appends to the flat list `flat` ({docs, off, pos}: the positions of
  // docs[j] are pos[off[j] .. off[j + 1]]); returns the byte after it.
  // gamma(v): z = clz32 zeros, then the z + 1 bits of v; rice(v, k): q < QMAX zeros, a one, k bits
  function segment(b, i, base, positional, map, flat) {
    var p = i * 8, d = base, w, z, q, v;
    w = peek(b, p); z = Math.clz32(w); var n = peek(b, p + z) >>> (31 - z); p += 2 * z + 1;
    var kd = peek(b, p) >>> 28; p += 4;
    var kp = 0, multi = 0, kg = 0;
    if (positional) {
      w = peek(b, p); kp = w >>> 28; multi = (w >>> 27) & 1; p += 5;
      if (multi) { kg = peek(b, p) >>> 28; p += 4; }
    }
    for (var e = 0; e < n; e++) {
      // doc gap: rice(kd)
      w = peek(b, p); q = Math.clz32(w);
      if (q >= QMAX) { p += QMAX; w = peek(b, p); z = Math.clz32(w); v = (peek(b, p + z) >>> (31 - z)) - 1; p += 2 * z + 1; }
      else { p += q + 1; v = kd ? q * (1 << kd) + (peek(b, p) >>> (32 - kd)) : q; p += kd; }
      d += v + 1;
      if (!positional) { map.set(d, true); continue; }
      var tf = 1;
      if (multi) {
        w = peek(b, p); p++;
        if (w >>> 31) { w = peek(b, p); z = Math.clz32(w); tf = (peek(b, p + z) >>> (31 - z)) + 1; p += 2 * z + 1; }
      }
      var ps = flat ? flat.pos : new Array(tf), at = flat ? ps.length : 0, k = kp, pos = -1;
      for (var j = 0; j < tf; j++) {
        w = peek(b, p); q = Math.clz32(w);
        if (q >= QMAX) { p += QMAX; w = peek(b, p); z = Math.clz32(w); v = (peek(b, p + z) >>> (31 - z)) - 1; p += 2 * z + 1; }
        else { p += q + 1; v = k ? q * (1 << k) + (peek(b, p) >>> (32 - k)) : q; p += k; }
        pos += v + 1; ps[at + j] = pos; k = kg;
      }
      if (flat) { flat.docs.push(d); flat.off.push(ps.length); }
      else map.set(d, ps);
    }
    return (p + 7) >> 3;
  }
  // a bucket file: Map(key -> [bytes, start, end])
  var buckets = {};
  function bucket(name) {
    var got = buckets[name];
    if (got) return got;
    var data = store[name], ks = Array.from(data[0]), keys = [], i = 0;
    while (i < ks.length) {
      if (ks[i] === '#') { var j = ks.indexOf('\uffff', i); keys.push(ks.slice(i, j).join('')); i = j + 1; }
      else { keys.push(ks[i] + ks[i + 1]); i += 2; }
    }
    var b = unitBytes(data[1]), st = {i: 0}, m = new Map();
    keys.forEach(function (k) { var n = leb(b, st); m.set(k, [b, st.i, st.i + n]); st.i += n; });
    buckets[name] = m;
    return m;
  }
  // deflated payloads (text parts, meta blocks), inflated in memory by fflate
  // (inflate.js): the text parts use the preset dictionary z.js
  var inflated = {}, metaCache = {}, utf8 = new TextDecoder(), textDict = null;
  // a text part is a file 'd/<doc>-<part>' or, a first part, 'd/<first doc>#<place>' in a
  // shard of consecutive docs (LEB(len) part each)
  function fileOf(name) { var i = name.indexOf('#'); return i < 0 ? name : name.slice(0, i); }
  function textName(h, metas) {
    var part = Math.floor(Math.max(h.first, 0) / manifest.part);
    if (part) return 'd/' + h.doc + '-' + part;
    var k = metas['m/' + Math.floor(h.doc / manifest.meta)][h.doc % manifest.meta][5];
    return 'd/' + (h.doc - k) + '#' + k;
  }
  function deflated(name) {
    var at = name.indexOf('#'), b = unitBytes(store[fileOf(name)]), st = {i: 0};
    if (at >= 0) {
      for (var k = +name.slice(at + 1); k > 0; k--) { var len = leb(b, st); st.i += len; }
      leb(b, st);
    }
    var n = leb(b, st);
    return b.subarray(st.i, st.i + n);
  }
  // the inflater, and for text parts (`withText`) the preset dictionary too: meta
  // files, which the first results need, do not wait for the dictionary
  function decoders(withText) {
    var want = [load('inflate')];
    if (withText && manifest && manifest.zdict) want.push(load('z'));
    return Promise.all(want).then(function () {
      if (withText && manifest && manifest.zdict && !textDict) textDict = store.inflate.inflateSync(deflated('z'));
      return store.inflate;
    });
  }
  function inflate(name) {
    if (inflated[name]) return inflated[name];
    return (inflated[name] = decoders(name[0] === 'd').then(function (fl) {
      var z = deflated(name);
      return utf8.decode(name[0] === 'd' && textDict ? fl.inflateSync(z, {dictionary: textDict}) : fl.inflateSync(z));
    }));
  }
  var table = null;
  // The text code table: manifest.seed, then the GB2312 hanzi in code order
  // (as search.py builds it); chars.js is only loaded if this browser's
  // decoder gives a different table.
  function buildTable(m) {
    try {
      var dec = new TextDecoder('gb2312', {fatal: true}), seen = new Set(), out = [];
      Array.from(m.seed).forEach(function (c) { if (!seen.has(c)) { seen.add(c); out.push(c); } });
      for (var hi = 0xb0; hi < 0xf8 && out.length < m.tablelen; hi++) {
        for (var lo = 0xa1; lo < 0xff; lo++) {
          if (hi === 0xd7 && lo >= 0xfa) continue;
          var c = dec.decode(new Uint8Array([hi, lo]));
          if (!seen.has(c)) { seen.add(c); out.push(c); }
        }
      }
      out = out.slice(0, m.tablelen);
      return fnv(out.join('')) === m.tablefnv ? out : null;
    } catch (e) { return null; }
  }
  function decodeText(s) {
    var out = '', one = manifest.one;
    for (var i = 0; i < s.length; i++) {
      var k = AI[s[i]];
      if (k === undefined) out += s[i];
      else if (k < one) out += table[k];
      else { out += table[one + (k - one) * 92 + AI[s[i + 1]]]; i++; }
    }
    return out;
  }
  function fnv(key) {
    var h = 0x811c9dc5;
    for (var i = 0; i < key.length; i++) { h ^= key.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
    return h >>> 0;
  }
  var normCache = {};
  // traditional -> simplified, one character for one (search/t2s.js, OpenCC's table: search.py T2S)
  var t2s = null, tableSet = null, HAN = /\p{Script=Han}/u;
  function norm(ch) {
    var r = normCache[ch];
    if (r === undefined) {
      var n = ch.normalize('NFKC');
      r = Array.from(n).length === 1 ? n.toLowerCase() : ch.toLowerCase();
      if (Array.from(r).length !== 1) r = ch;
      if (t2s && t2s.has(r)) r = t2s.get(r);
      normCache[ch] = r;
    }
    return r;
  }
  // does folding `text` need the table? Only a Han character outside the text code table
  // (GB2312's simplified hanzi) can be traditional, or one of the few in it (manifest.tsin)
  function needsT2S(text) {
    if (t2s || !manifest) return false;
    if (!tableSet && table) tableSet = new Set(table);
    for (var i = 0; i < text.length; i++) {
      var c = text[i];
      if (c.charCodeAt(0) < 0x2e80) continue;
      if (manifest.tsin && manifest.tsin.indexOf(c) >= 0) return true;
      if (HAN.test(c) && !(tableSet && tableSet.has(c))) return true;
    }
    return false;
  }
  function withT2S(text) {
    if (!needsT2S(text)) return Promise.resolve();
    return load('t2s').then(function (d) {
      if (t2s) return;
      var m = new Map(), a = d[0], b = d[1];
      for (var i = 0; i < a.length; i++) m.set(a[i], b[i]);
      t2s = m; normCache = {};
    });
  }

  // ---- queries --------------------------------------------------------------
  // A term is a phrase: bigrams of adjacent letters/digits with their offsets.
  function parseQuery(q) {
    var terms = [], ignored = [], re = /"([^"]*)"?|“([^”]*)”?|「([^」]*)」?|(\S+)/g, m;
    while ((m = re.exec(q))) {
      var raw = m[1] != null ? m[1] : m[2] != null ? m[2] : m[3] != null ? m[3] : m[4];
      var chars = Array.from(raw).map(norm), grams = [], runs = [], run = '', s0 = -1, singles = [];
      // a run of letters/digits is found where the bigrams at its even offsets (and, for an
      // odd length, its last one) sit next to each other: the bigrams in between are implied,
      // so a 4-character word needs 2 bucket files, not 3
      for (var i = 0; i <= chars.length; i++) {
        if (i < chars.length && WORD.test(chars[i])) { if (s0 < 0) s0 = i; run += chars[i]; continue; }
        if (s0 >= 0 && i - s0 === 1) singles.push(run);  // a single character: a term of its own
        else if (s0 >= 0) {
          for (var o = s0; o + 1 < i; o += 2) grams.push({k: chars[o] + chars[o + 1], o: o});
          if (i - s0 > 2 && (i - s0) % 2) grams.push({k: chars[i - 2] + chars[i - 1], o: i - 2});
          runs.push(run);
        }
        s0 = -1; run = '';
      }
      if (grams.length) terms.push({raw: raw, grams: grams, runs: runs});
      // its list (key U+0000 + the character) holds docs only; its title list has positions
      singles.forEach(function (c) { terms.push({raw: grams.length ? c : raw, grams: [{k: '\u0000' + c, o: 0}], runs: [c], uni: true}); });
      if (!grams.length && !singles.length && raw.trim()) ignored.push(raw);
    }
    return {terms: terms, ignored: ignored};
  }

  // match one term against lists: Map(gram -> Map(doc -> positions)); returns Map(doc -> {tf, first})
  var NEAR = 16;  // match starts kept per doc and term, for proximity
  function matchTerm(term, lists, lo, hi) {
    var ls = term.grams.map(function (g) { return lists[g.k]; });
    if (ls.some(function (l) { return !l; })) return new Map();
    if (term.uni) {  // a single character: every doc of its list (no positions)
      var hits = new Map();
      ls[0].forEach(function (_, doc) { if (doc >= lo && doc < hi) hits.set(doc, {tf: 1, first: -1, at: null}); });
      return hits;
    }
    var drive = 0;
    for (var i = 1; i < ls.length; i++) if (ls[i].size < ls[drive].size) drive = i;
    var out = new Map(), od = term.grams[drive].o;
    ls[drive].forEach(function (pd, doc) {
      if (doc < lo || doc >= hi) return;
      var others = [];
      for (var j = 0; j < ls.length; j++) {
        if (j === drive) continue;
        var pj = ls[j].get(doc);
        if (!pj) return;
        others.push([pj, term.grams[j].o]);
      }
      var tf = 0, first = -1, at = [];
      for (var a = 0; a < pd.length; a++) {
        var start = pd[a] - od, ok = true;
        for (var b = 0; b < others.length && ok; b++) ok = others[b][0].indexOf(start + others[b][1]) >= 0;
        if (ok) { tf++; if (first < 0) first = start; if (at.length < NEAR) at.push(start); }
      }
      if (tf) out.set(doc, {tf: tf, first: first, at: at});
    });
    return out;
  }

  // matchTerm for flat lists (docs ascending: a merge, no hashing) over every doc
  function matchSorted(term, lists) {
    var gs = term.grams, ls = gs.map(function (g) { return lists[g.k]; }), out = new Map();
    if (ls.some(function (l) { return !l; })) return out;
    var drive = 0, n = ls.length, i, j;
    for (i = 1; i < n; i++) if (ls[i].docs.length < ls[drive].docs.length) drive = i;
    var D = ls[drive], od = gs[drive].o, at = new Array(n).fill(0);
    for (var a = 0; a < D.docs.length; a++) {
      var doc = D.docs[a], ok = true;
      for (j = 0; j < n && ok; j++) {
        if (j === drive) continue;
        var L = ls[j], x = at[j];
        while (x < L.docs.length && L.docs[x] < doc) x++;
        at[j] = x;
        ok = x < L.docs.length && L.docs[x] === doc;
      }
      if (!ok) continue;
      var tf = 0, first = -1;
      for (var pi = D.off[a]; pi < D.off[a + 1]; pi++) {
        var start = D.pos[pi] - od, hit = true;
        for (j = 0; j < n && hit; j++) {
          if (j === drive) continue;
          var Lj = ls[j], want = start + gs[j].o, found = false;
          for (var q = Lj.off[at[j]]; q < Lj.off[at[j] + 1]; q++) if (Lj.pos[q] === want) { found = true; break; }
          hit = found;
        }
        if (hit) { tf++; if (first < 0) first = start; }
      }
      if (tf) out.set(doc, {tf: tf, first: first});
    }
    return out;
  }

  // the first index of ascending `a` whose value is not below x
  function lowerBound(a, x) {
    var lo = 0, hi = a.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (a[mid] < x) lo = mid + 1; else hi = mid; }
    return lo;
  }

  // a term's matches in titles, doc by doc (`get`, `has` like a Map): a binary search
  // in each of its bigrams' flat title lists (docs ascending), then the positions checked
  function TitleMatches(term, lists) {
    this.ls = term.grams.map(function (g) { return lists[g.k]; });
    this.os = term.grams.map(function (g) { return g.o; });
    this.seen = new Map();
  }
  TitleMatches.prototype.get = function (doc) {
    var got = this.seen.get(doc);
    if (got !== undefined) return got;
    got = null;
    var ls = this.ls, n = ls.length, at = new Array(n), j;
    for (j = 0; j < n; j++) {
      var L = ls[j];
      if (!L) break;
      var lo = lowerBound(L.docs, doc);
      if (lo === L.docs.length || L.docs[lo] !== doc) break;
      at[j] = lo;
    }
    if (j === n) {
      var tf = 0, first = -1, D = ls[0];
      for (var pi = D.off[at[0]]; pi < D.off[at[0] + 1]; pi++) {
        var start = D.pos[pi] - this.os[0], hit = true;
        for (j = 1; j < n && hit; j++) {
          var Lj = ls[j], want = start + this.os[j], found = false;
          for (var q = Lj.off[at[j]]; q < Lj.off[at[j] + 1]; q++) if (Lj.pos[q] === want) { found = true; break; }
          hit = found;
        }
        if (hit) { tf++; if (first < 0) first = start; }
      }
      if (tf) got = {tf: tf, first: first};
    }
    this.seen.set(doc, got);
    return got;
  };
  TitleMatches.prototype.has = function (doc) { return this.get(doc) !== null; };

  var manifest = null;
  function bucketName(prefix, key, n) { return prefix + (fnv(key) % n); }

  // opts: {sort: 'relevance' | 'newest' | 'oldest', lo, hi: the docs of the date range}
  function Search(text, filters, opts) {
    opts = opts || {};
    this.q = parseQuery(text);
    this.filters = filters;
    this.sort = opts.sort || 'relevance';
    this.lo = opts.lo || 0;
    this.hi = opts.hi == null ? Infinity : opts.hi;
    this.bytes = 0;    // bytes of the posting files this query loaded (not those it found loaded)
    this.per = {};     // key (big) -> bytes of its inline segments per range (estimates a chunk's size)
    this.read = 0;     // ranges read
    this.bodyHits = 0; // results found in the ranges read
    this.found = new Map();
    this.small = {};   // key -> Map (whole list)
    this.big = {};     // key (big) -> ranges of its chunk files
    this.inline = {};  // key (big) -> Map(range -> [bytes, byte of its segment]): decoded when the range is read
    this.pre = {};     // key (big) -> Map(doc -> positions): its lists that a layer holds whole
    this.ranges = [];  // ranges still to read, newest first
    this.done = false;
    this.df = {};
    this.tlazy = {};   // key -> Map(range -> [bytes, byte of its title segment]) of a tbig title list
    this.tl = {};      // key -> its title lists decoded whole ({docs, off, pos}, docs ascending)
  }
  Search.prototype.keys = function () {
    var ks = [];
    this.q.terms.forEach(function (t) { t.grams.forEach(function (g) { if (ks.indexOf(g.k) < 0) ks.push(g.k); }); });
    return ks;
  };
  Search.prototype.facetKeys = function () {
    var f = this.filters, ks = [];
    Object.keys(f).forEach(function (k) { if (f[k]) ks.push('#' + k[0] + f[k]); });
    return ks;
  };
  // load index files, counting the bytes of those not loaded before
  Search.prototype.loadAll = function (names) {
    var self = this, fresh = names.filter(function (n) { return !has(n); });
    return Promise.all(names.map(load)).then(function () {
      fresh.forEach(function (n) { self.bytes += fileBytes(n); });
    });
  };
  // the bucket files of a key: its entry in the head layer (p/, every range but the newest) and the tail (n/)
  function layers(k) {
    var out = [];
    if (manifest.buckets) out.push(bucketName('p/', k, manifest.buckets));
    if (manifest.tbuckets) out.push(bucketName('n/', k, manifest.tbuckets));
    return out;
  }
  // one layer's entry of key k into `e`: LEB(4·nr + 2·title + big) [LEB(df)] [LEB(2·nt + tbig)],
  // nr × (LEB(range gap) [segment]), nt × (LEB(range gap) [LEB(length) if tbig] segment)
  function readEntry(k, v, e) {
    if (v == null) return;
    var R = manifest.range, b = v[0], st = {i: v[1]}, x = leb(b, st), nr = Math.floor(x / 4), big = x & 1, nt = 0, tbig = 0, r = -1, i;
    var pos = k[0] !== '#' && k[0] !== '\u0000';  // facets and single characters: docs only
    if (big) { e.big = true; e.df += leb(b, st); }
    if (x & 2) { nt = leb(b, st); tbig = nt & 1; nt = Math.floor(nt / 2); }
    for (i = 0; i < nr; i++) {
      r += leb(b, st) + 1; e.ranges.add(r);
      if (!big) st.i = segment(b, st.i, r * R - 1, pos, e.whole);
      else if (r < manifest.inline) e.chunks.push(r);  // in the chunk files of range r
      else {
        var n = leb(b, st), p = st.i * 8, z = Math.clz32(peek(b, p));
        e.lazy.set(r, [b, st.i]); e.lazyBytes += n; e.lazyDocs += peek(b, p + z) >>> (31 - z);  // (gamma(docs) opens a segment)
        st.i += n;
      }
    }
    for (r = -1, i = 0; i < nt; i++) {
      r += leb(b, st) + 1;
      if (!tbig) { st.i = segment(b, st.i, r * R - 1, true, null, e.title); continue; }
      var m = leb(b, st); e.tlazy.set(r, [b, st.i]); st.i += m;  // decoded when range r is read
    }
  }
  // one round of files: per key, its bucket in each layer holds its body list (or, for a
  // big list, the ranges of its chunks and the segments of the newest ranges) and its title list
  Search.prototype.start = function () {
    var self = this, keys = this.keys(), fkeys = this.facetKeys(), all = keys.concat(fkeys);
    var names = {};
    all.forEach(function (k) { layers(k).forEach(function (n) { names[n] = 1; }); });
    return this.loadAll(Object.keys(names)).then(function () {
      var rangeSets = [], tl = {};
      all.forEach(function (k) {
        var e = {ranges: new Set(), big: false, df: 0, whole: new Map(), chunks: [], lazy: new Map(), lazyBytes: 0, lazyDocs: 0,
                 title: {docs: [], off: [0], pos: []}, tlazy: new Map()};
        layers(k).forEach(function (n) { readEntry(k, bucket(n).get(k), e); });  // head first: docs ascend
        if (e.big) {
          self.big[k] = e.chunks; self.inline[k] = e.lazy; self.pre[k] = e.whole; self.df[k] = e.df + e.whole.size;
          // a chunk's likely bytes: its range's share of the docs not inline, at the inline segments' bytes per doc
          var perDoc = e.lazyDocs ? e.lazyBytes / e.lazyDocs : 0;
          self.per[k] = e.chunks.length ? perDoc * Math.max(0, e.df - e.lazyDocs) / e.chunks.length : 0;
        }
        else { self.small[k] = e.whole; self.df[k] = e.whole.size; }
        if (e.title.docs.length) tl[k] = e.title;
        if (e.tlazy.size) self.tlazy[k] = e.tlazy;
        rangeSets.push(e.ranges);
      });
      var R = manifest.range, rs = rangeSets.length ? Array.from(rangeSets[0]).filter(function (r) {
        return rangeSets.every(function (s) { return s.has(r); }) && (r + 1) * R > self.lo && r * R < self.hi;
      }) : [];
      self.nranges = rs.length;
      // the oldest first when sorting so: the first screen is then exact too
      self.ranges = rs.sort(function (a, b) { return self.sort === 'oldest' ? a - b : b - a; });
      self.tl = tl;
      // a word in very many titles: its title matches are found range by range, with the body's
      self.titlesByRange = Object.keys(self.tlazy).length > 0;
      if (self.titlesByRange) return self.more();
      // title matches for the whole archive: a doc with every term in its title is a hit.
      // The term with the shortest title list is matched in full; the others per doc, when asked
      var nt = self.q.terms.length, lead = 0;
      var shortest = function (t) {
        return Math.min.apply(null, t.grams.map(function (g) { return tl[g.k] ? tl[g.k].docs.length : 0; }));
      };
      for (var ti = 1; ti < nt; ti++) if (shortest(self.q.terms[ti]) < shortest(self.q.terms[lead])) lead = ti;
      self.title = self.q.terms.map(function (t, i) { return i === lead ? matchSorted(t, tl) : new TitleMatches(t, tl); });
      if (!fkeys.length && nt) {
        self.title[lead].forEach(function (m, doc) {
          var ms = [];
          for (var ti = 0; ti < nt; ti++) { var x = ti === lead ? m : self.title[ti].get(doc); if (!x) return; ms.push(x); }
          self.addHit(doc, ms, true);
        });
        // the best title matches are most likely the first results: their meta files load
        // while the body lists are matched (a round less before the first paint)
        self.sorted(3).forEach(function (h) { load('m/' + Math.floor(h.doc / manifest.meta)).catch(function () {}); });
      }
      return self.more();
    });
  };
  Search.prototype.idf = function (term) {
    var N = manifest.docs, df = N, self = this;
    term.grams.forEach(function (g) { if (self.df[g.k] != null) df = Math.min(df, self.df[g.k]); });
    return Math.log(1 + (N - df + 0.5) / (df + 0.5));
  };
  // ms: per term its match {tf, first} in doc
  // Relevance: every term in the headline first (+1000), then per term its frequency
  // (saturating, BM25's k1 = 1.2) and a headline match, weighted by idf; then how near the
  // terms stand to each other; the newer first on a tie (see `better`).
  Search.prototype.addHit = function (doc, ms, fromTitle) {
    if (doc < this.lo || doc >= this.hi) return;
    if (fromTitle && this.found.has(doc)) return;
    var idfs = this.idfs || (this.idfs = this.q.terms.map(this.idf, this));  // df is known once start() has read the buckets
    var score = 0, allTitle = true, first = -1;
    for (var ti = 0; ti < idfs.length; ti++) {
      var idf = idfs[ti], m = ms[ti], tf = m.tf;
      score += idf * tf * 2.2 / (tf + 1.2);
      if (fromTitle || this.title[ti].has(doc)) score += 2 * idf; else allTitle = false;
      if (first < 0 || (m.first >= 0 && m.first < first)) first = m.first;
    }
    if (allTitle) score += 1000;
    if (!fromTitle && ms.length > 1) score += this.nearness(ms, idfs);
    if (!fromTitle) this.bodyHits++;
    this.found.set(doc, {doc: doc, score: score, first: first});
  };
  // proximity: for each pair of terms, up to the smaller idf when they stand side by side,
  // half of it 10 characters apart, less the farther
  Search.prototype.nearness = function (ms, idfs) {
    var bonus = 0;
    for (var i = 0; i + 1 < ms.length; i++) {
      for (var j = i + 1; j < ms.length; j++) {
        var a = ms[i].at, b = ms[j].at, d = Infinity;
        if (!a || !b || !a.length || !b.length) continue;
        for (var x = 0; x < a.length; x++) for (var y = 0; y < b.length; y++) {
          var g = Math.abs(a[x] - b[y]);
          if (g < d) d = g;
        }
        bonus += Math.min(idfs[i], idfs[j]) / (1 + d / 10);
      }
    }
    return bonus;
  };
  // read the next range (newest first, or oldest first) until enough results for a first screen
  Search.prototype.more = function () {
    var self = this;
    if (!this.ranges.length) { this.done = true; return Promise.resolve(this); }
    return this.readRanges([this.ranges.shift()]).then(function () {
      if (self.found.size < ENOUGH && self.ranges.length) return self.more();
      return self;
    });
  };
  // the files of a chunk (an older range's segment of a big list)
  Search.prototype.chunkOf = function (k, r) { return 'c/' + r + '/' + (fnv(k) % manifest.cbuckets[r]); };
  Search.prototype.chunksFor = function (r) {
    var self = this, names = {};
    this.keys().concat(this.facetKeys()).forEach(function (k) {
      if (self.big[k] && self.big[k].indexOf(r) >= 0) names[self.chunkOf(k, r)] = 1;
    });
    return Object.keys(names);
  };
  // read ranges `rs`: their chunk files in one round, then match each
  Search.prototype.readRanges = function (rs) {
    var self = this, names = {};
    rs.forEach(function (r) { self.chunksFor(r).forEach(function (n) { names[n] = 1; }); });
    names = Object.keys(names);
    var step = function () {
      rs.forEach(function (r) { self.step(r); });
      if (!self.ranges.length) self.done = true;
      return self;
    };
    // the newest ranges are in the bucket files: no file to wait for
    return names.length ? this.loadAll(names).then(step) : Promise.resolve().then(step);
  };
  Search.prototype.step = function (r) {
    var self = this, R = manifest.range, lo = r * R, hi = lo + R, lists = {};
    var keys = this.keys().concat(this.facetKeys());
    keys.forEach(function (k) {
      if (self.small[k]) { lists[k] = self.small[k]; return; }
      var m = new Map(), v = self.big[k].indexOf(r) >= 0 ? bucket(self.chunkOf(k, r)).get(k) : self.inline[k].get(r);
      if (v) segment(v[0], v[1], r * R - 1, k[0] !== '#' && k[0] !== '\u0000', m);
      self.pre[k].forEach(function (ps, doc) { if (doc >= lo && doc < hi) m.set(doc, ps); });
      lists[k] = m;
    });
    var per = this.q.terms.map(function (t) { return matchTerm(t, lists, Math.max(lo, self.lo), Math.min(hi, self.hi)); });
    if (this.titlesByRange) this.title = this.q.terms.map(function (t) { return matchSorted(t, self.titlesOf(r)); });
    var fk = this.facetKeys();
    per[0].forEach(function (_, doc) {
      if (!per.every(function (m) { return m.has(doc); })) return;
      if (!fk.every(function (k) { return lists[k].has(doc); })) return;
      self.addHit(doc, per.map(function (m) { return m.get(doc); }), false);
    });
    this.read++;
    this.oldestRead = this.oldestRead == null ? r : Math.min(this.oldestRead, r);
  };
  // the bytes the chunk files of range r will likely cost: per file the larger of a typical
  // chunk file and the key's average inline segment
  Search.prototype.estimate = function (r) {
    var self = this, est = 0;
    this.keys().concat(this.facetKeys()).forEach(function (k) {
      // (a payload byte is 16/15.67 bytes of file: 47 bits in three UTF-16 units)
      if (self.big[k] && self.big[k].indexOf(r) >= 0 && !has(self.chunkOf(k, r))) est += 1.25 * (self.per[k] || 0) + CHUNK_FILE / 2;  // (a margin: older ranges run denser)
    });
    return est;
  };
  // every range not read yet, in one round of as many as the byte budget allows
  // (`one`: at least one range, as the reader asked for more)
  Search.prototype.rest = function (budget, one) {
    var self = this;
    if (!this.ranges.length) { this.done = true; return Promise.resolve(this); }
    var batch = [], spend = this.bytes;
    while (this.ranges.length) {
      var est = this.estimate(this.ranges[0]);
      if (spend + est > budget && !(one && !batch.length)) break;
      spend += est;
      batch.push(this.ranges.shift());
    }
    if (!batch.length) { this.stopped = true; return Promise.resolve(this); }
    this.stopped = false;
    return this.readRanges(batch).then(function () { return self.rest(budget); });
  };
  // the number of matches over the whole archive: exact once every range is read, else
  // scaled by the share of the rarest key's docs in the ranges read
  Search.prototype.total = function () {
    if (this.done) return this.found.size;
    var frac = this.nranges ? this.read / this.nranges : 1;
    return Math.max(this.found.size, Math.round(this.bodyHits / Math.max(frac, 1e-9)));
  };
  // the title lists of range r: a tbig list's segment, decoded now, or the part of a whole one
  Search.prototype.titlesOf = function (r) {
    var self = this, R = manifest.range, lo = r * R, hi = lo + R, out = {};
    this.keys().forEach(function (k) {
      var lz = self.tlazy[k] && self.tlazy[k].get(r), L = self.tl[k];
      if (lz) { out[k] = {docs: [], off: [0], pos: []}; segment(lz[0], lz[1], r * R - 1, true, null, out[k]); }
      else if (L) { var a = lowerBound(L.docs, lo), z = lowerBound(L.docs, hi); out[k] = {docs: L.docs.slice(a, z), off: L.off.slice(a, z + 1), pos: L.pos}; }
    });
    return out;
  };
  // the best n results (all without n), best first (or by date: `sort`)
  function byScore(a, b) { return b.score - a.score || b.doc - a.doc; }
  function newer(a, b) { return b.doc - a.doc; }  // docs are numbered in date order
  function older(a, b) { return a.doc - b.doc; }
  Search.prototype.sorted = function (n) {
    var better = this.sort === 'newest' ? newer : this.sort === 'oldest' ? older : byScore;
    var all = Array.from(this.found.values());
    if (n == null || all.length <= 4 * n) return all.sort(better).slice(0, n == null ? all.length : n);
    var top = [];  // kept sorted; most results do not get in
    for (var i = 0; i < all.length; i++) {
      var h = all[i];
      if (top.length === n && better(h, top[n - 1]) >= 0) continue;
      var j = top.length < n ? top.length : n - 1;
      while (j > 0 && better(h, top[j - 1]) < 0) { top[j] = top[j - 1]; j--; }
      top[j] = h;
    }
    return top;
  };

  // ---- rendering ------------------------------------------------------------
  function esc(s) {
    return s.replace(/[&<>"]/g, function (c) { return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]; });
  }
  // the characters of `text` (normalised: `n`) that a term's runs cover
  function markRuns(n, terms) {
    var marks = new Array(n.length), firstMark = -1;
    terms.forEach(function (t) {
      t.runs.forEach(function (run) {
        var from = 0, idx, cps = Array.from(run).length;
        if (!cps) return;
        // search in code points
        while ((idx = indexOfCp(n, run, from)) >= 0) {
          for (var k = idx; k < idx + cps; k++) marks[k] = true;
          if (firstMark < 0 || idx < firstMark) firstMark = idx;
          from = idx + 1;
        }
      });
    });
    marks.first = firstMark;
    return marks;
  }
  function snippet(text, first, terms) {
    var chars = Array.from(text), n = chars.map(norm), marks = markRuns(n, terms);
    if (first < 0 && marks.first >= 0) first = marks.first;  // (a single character's list has no positions)
    var start = Math.max(0, first - 30), end = Math.min(chars.length, Math.max(first, 0) + 90);
    var html = start > 0 ? '…' : '', open = false;
    for (var i = start; i < end; i++) {
      if (marks[i] && !open) { html += '<mark>'; open = true; }
      if (!marks[i] && open) { html += '</mark>'; open = false; }
      html += chars[i] === '\n' ? ' ' : esc(chars[i]);
    }
    if (open) html += '</mark>';
    return html + (end < chars.length ? '…' : '');
  }
  function indexOfCp(arr, run, from) {
    var r = Array.from(run);
    outer: for (var i = from; i <= arr.length - r.length; i++) {
      for (var j = 0; j < r.length; j++) if (arr[i + j] !== r[j]) continue outer;
      return i;
    }
    return -1;
  }

  function UI(box) {
    this.inputs = Array.prototype.slice.call(document.querySelectorAll('form[role=search] input[name=q]'));
    this.results = box;
    this.status = document.querySelector('[data-search-status]');
    this.moreBtn = document.querySelector('[data-search-more]');
    this.form = document.querySelector('[data-search-form]');
    this.selects = Array.prototype.slice.call(document.querySelectorAll('[data-search-filter]'));
    this.sortSel = document.querySelector('[data-search-sort]');
    this.dateInputs = Array.prototype.slice.call(document.querySelectorAll('[data-search-date]'));
    this.seq = 0;
    this.dropdown = box.hasAttribute('data-search-dropdown');
    this.closed = false;
    this.snips = PAGE;
    this.links = LINKS;
    this.current = null;
  }
  UI.prototype.say = function (msg, kind) {
    if (!this.status) return;
    this.status.textContent = msg;
    this.status.setAttribute('data-state', kind || '');
    if (this.dropdown) this.shown();
  };
  // the header box's list and status take no room while they hold nothing (or were closed)
  UI.prototype.shown = function () {
    var empty = this.closed || (!this.status.textContent && !this.results.children.length);
    this.results.hidden = this.status.hidden = empty;
  };
  // Escape (or a click elsewhere) closes the header box's list; focusing the box opens it again
  UI.prototype.close = function () {
    this.closed = true;
    this.seq++;  // an answer still on its way is dropped
    this.asked = null;
    this.results.innerHTML = '';
    this.say('');
  };
  UI.prototype.fail = function (err) {
    this.say('搜索暂时无法使用：' + err.message + '。请检查网站文件是否完整，或改用“往期”和分类浏览。', 'error');
    if (this.results) this.results.setAttribute('aria-busy', 'false');
  };
  UI.prototype.filters = function () {
    var f = {};
    this.selects.forEach(function (s) { f[s.getAttribute('data-search-filter')] = s.value; });
    return f;
  };
  // sort and date range: {sort, from, to} (from / to: YYYY-MM-DD or '')
  UI.prototype.steer = function () {
    var o = {sort: this.sortSel ? this.sortSel.value || 'relevance' : 'relevance', from: '', to: ''};
    this.dateInputs.forEach(function (i) { o[i.getAttribute('data-search-date')] = /^\d{4}-\d{2}-\d{2}$/.test(i.value) ? i.value : ''; });
    return o;
  };
  // the docs of a date range: search/dates.js says where each date's docs start
  var dateStarts = null;
  function docsBetween(from, to) {
    if (!from && !to) return Promise.resolve({lo: 0, hi: Infinity});
    return load('dates').then(function (flat) {
      if (!dateStarts) {
        dateStarts = [];
        for (var i = 0, d = 0, n = 0; i < flat.length; i += 2) { d += flat[i]; n += flat[i + 1]; dateStarts.push([d, n]); }
      }
      var f = from ? +from.replace(/-/g, '') : 0, t = to ? +to.replace(/-/g, '') : 99999999, lo = manifest.docs, hi = manifest.docs;
      for (var j = 0; j < dateStarts.length; j++) { if (dateStarts[j][0] >= f) { lo = dateStarts[j][1]; break; } }
      for (j = 0; j < dateStarts.length; j++) { if (dateStarts[j][0] > t) { hi = dateStarts[j][1]; break; } }
      return {lo: lo, hi: Math.max(lo, hi)};
    });
  }
  // The meta files of the newest articles: a common word's best results are mostly
  // among them (ties go to the newest), so they load before the first query (on the
  // search page once the manifest is in, elsewhere when the box is focused) with the
  // inflater and the text dictionary: a query's first round is then its bucket files
  // only, and the first results often need no other file.  One file at a time, and
  // none while a query is answered: file:// loads queue behind each other, a few ms
  // each, so four files asked at once just before a query's first round made its
  // first results ~25 ms later; in a chain a query waits for one file at most.
  UI.prototype.preload = function () {
    if (this.preloaded || !manifest || !manifest.docs) return;
    this.preloaded = true;
    var self = this, names = ['inflate'], last = Math.floor((manifest.docs - 1) / manifest.meta);
    if (manifest.zdict) names.push('z');
    // the newest 256 articles' meta (ties go to the newest: a common word's first screen)
    for (var b = last; b >= Math.max(0, last - Math.ceil(256 / manifest.meta) + 1); b--) names.push('m/' + b);
    var next = function () {
      if (!names.length) return;
      if (self.inflight) { self.afterQuery = next; return; }
      var n = names.shift();
      // decoded when in (the dictionary, a meta block), as a query would
      load(n).then(function () { return n === 'z' ? decoders(true) : n[0] === 'm' ? inflate(n) : null; }).then(next, next);
    };
    next();
  };
  UI.prototype.asking = function () { return this.text + '\n' + JSON.stringify(this.filters()) + JSON.stringify(this.steer()); };
  UI.prototype.query = function () {
    var self = this, text = this.text, seq = ++this.seq, steer = this.steer();
    this.asked = this.asking();
    this.closed = false;
    if (!text.trim()) { this.current = null; this.results.innerHTML = ''; this.say(''); this.moreState(); this.syncUrl(text); return; }
    // a traditional character (or a date range) needs a small file before the query is read
    var ready = needsT2S(text) || steer.from || steer.to;
    if (ready) {
      this.say('正在搜索…', 'busy');
      Promise.all([withT2S(text), docsBetween(steer.from, steer.to)]).then(function (got) {
        if (seq === self.seq) self.ask(text, seq, steer, got[1]);
      }).catch(function (e) { if (seq === self.seq) self.fail(e); });
      return;
    }
    this.ask(text, seq, steer, {lo: 0, hi: Infinity});
  };
  UI.prototype.ask = function (text, seq, steer, span) {
    var self = this;
    var s = new Search(text, this.filters(), {sort: steer.sort, lo: span.lo, hi: span.hi});
    if (!s.q.terms.length) {
      this.current = null; this.results.innerHTML = '';
      this.say('请输入要检索的字词。'); this.moreState(); this.syncUrl(text); return;
    }
    // the index files first: the rest of this task runs while they load; the
    // address bar last (replaceState took ~20 ms of a first screen at 10,000 issues)
    this.inflight = (this.inflight || 0) + 1;
    s.start().then(function () {
      if (seq !== self.seq) return;
      self.current = s; self.snips = PAGE; self.links = LINKS;
      return self.render().then(function () {
        if (seq === self.seq) self.syncUrl(text);
        // then every other range (within the byte budget): the ranking and count over all matches
        if (seq !== self.seq || s.done) return;
        return s.rest(BUDGET).then(function () { if (seq === self.seq) return self.render(); });
      });
    }).catch(function (e) { if (seq === self.seq) { self.fail(e); self.syncUrl(text); } }).then(function () {
      if (--self.inflight || !self.afterQuery) return;  // (queries overlap when the reader types on)
      var go = self.afterQuery;
      self.afterQuery = null;
      go();
    });
    // beside the first round: the inflater (the meta files of the first results need it);
    // the rest of the preload once this query is answered
    load('inflate').catch(function () {});
    this.preload();
    this.say('正在搜索…', 'busy');
    this.results.setAttribute('aria-busy', 'true');
  };
  // results with snippets first, then the rest of the list: fewer files stand
  // between the reader and the first answers
  UI.prototype.render = function () {
    var self = this, s = this.current, seq = this.seq;
    var links = s.sorted(this.links), snips = this.snips;
    // the best titles as soon as the best one's meta file is in (with those after it
    // whose files are in too), then the best PAGE titles, then everything with snippets
    var first = links.slice(0, Math.min(links.length, PAGE));
    var metas = first.map(function (h) { return 'm/' + Math.floor(h.doc / manifest.meta); });
    var ready = function () { var n = 0; while (n < metas.length && Object.prototype.hasOwnProperty.call(store, metas[n])) n++; return n; };
    var lead = metas.length ? load(metas[0]).then(function () {
      var n = ready();
      return n < first.length && seq === self.seq ? self.paint(s, seq, first.slice(0, n), 0, false) : null;
    }) : Promise.resolve();
    // until every range is read the list is provisional: titles only (their snippets'
    // text parts would mostly be loaded for nothing once older ranges rank above them)
    var provisional = !s.done && !s.stopped;
    return lead.then(function () {
      return seq === self.seq ? self.paint(s, seq, first, 0, false) : null;
    }).then(function () {
      if (seq === self.seq && !provisional) return self.paint(s, seq, links, snips, true);
    });
  };
  // `whole`: the list is complete; until then the status says "partial" and the list is aria-busy
  UI.prototype.paint = function (s, seq, links, snips, whole) {
    var self = this, texts = {}, metas = {};
    links.forEach(function (h) { metas['m/' + Math.floor(h.doc / manifest.meta)] = 1; });
    metas = Object.keys(metas);
    var want = metas.slice();
    if (snips && links.length && !table) want.push('chars');
    return Promise.all(want.map(load)).then(function () {
      return Promise.all(metas.map(function (n) { return inflate(n).then(function (t) { texts[n] = metaCache[n] = metaCache[n] || JSON.parse(t); }); }));
    }).then(function () {
      // a result's text part: its meta row says where in its shard it is (the meta files
      // of the results with snippets are in from the paint before this one)
      var parts = {};
      links.forEach(function (h, i) { if (i < snips) parts[textName(h, texts)] = 1; });
      parts = Object.keys(parts);
      return Promise.all(parts.map(function (n) { return load(fileOf(n)); })).then(function () {
        return Promise.all(parts.map(function (n) { return inflate(n).then(function (t) { texts[n] = t; }); }));
      }).then(function () { return texts; });
    }).then(function (texts) {
      if (!table && store.chars) table = Array.from(store.chars);
      // a text part where the query is not seen may hold it in traditional forms: it is
      // marked once the folding table is in (loaded only then)
      var unseen = t2s ? '' : Object.keys(texts).filter(function (n) { return n[0] === 'd'; }).map(function (n) { return decodeText(texts[n]); })
        .filter(function (t) { return markRuns(Array.from(t).map(norm), s.q.terms).first < 0; }).join('');
      return withT2S(unseen).then(function () { return texts; });
    }).then(function (texts) {
      if (seq !== self.seq) return;
      if (!table && store.chars) table = Array.from(store.chars);
      // the opened article highlights the query (search.js on that page reads ?hl=)
      var hl = '?hl=' + encodeURIComponent(s.q.terms.map(function (t) { return t.raw; }).join(' '));
      var html = links.map(function (h, i) {
        var row = texts['m/' + Math.floor(h.doc / manifest.meta)][h.doc % manifest.meta], snip = '';
        var d = {u: row[0], t: row[1], d: row[2], a: row[3], k: row[4]};
        if (i < snips) {
          var part = Math.floor(Math.max(h.first, 0) / manifest.part);
          snip = '<p class="search-snippet">' + snippet(decodeText(texts[textName(h, texts)]),
            Math.max(h.first, 0) - part * manifest.part, s.q.terms) + '</p>';
        }
        var meta = [d.d, d.a].filter(Boolean).map(esc).join(' · ');
        return '<li class="search-result"><a href="' + esc(root + d.u + hl) + '">' + esc(d.t) + '</a>' +
          (meta ? ' <span class="search-meta">' + meta + '</span>' : '') + snip + '</li>';
      }).join('');
      self.results.innerHTML = html;
      self.results.setAttribute('aria-busy', whole ? 'false' : 'true');
      if (self.dropdown) self.shown();
      var n = s.found.size, order = {newest: '，按日期从新到旧', oldest: '，按日期从旧到新'}[s.sort] || '，按相关度排列';
      var msg = n ? (s.done ? '找到 ' + n + ' 篇' + order
        : s.stopped ? '已找到 ' + n + ' 篇（全部约 ' + s.total() + ' 篇）' + order + '，按“更多结果”检索其余的'
        : '找到 ' + n + ' 篇，正在检索全部…')
        : (s.done ? '没有找到包含“' + s.q.terms.map(function (t) { return t.raw; }).join(' ') + '”的文章' : '正在检索全部…');
      if (n > links.length) msg += '（列出前 ' + links.length + ' 篇）';
      if (s.q.ignored.length) msg += '；“' + s.q.ignored.join('、') + '”未参与检索';
      // the list is final once every range is read, or the budget stopped the reading
      var settled = whole && (s.done || s.stopped);
      self.say(msg, settled ? '' : 'partial');
      self.moreState();
    });
  };
  UI.prototype.moreState = function () {
    if (!this.moreBtn) return;
    var s = this.current;
    this.moreBtn.hidden = !(s && (this.links < s.found.size || this.snips < Math.min(this.links, s.found.size) || !s.done));
  };
  UI.prototype.more = function () {
    var self = this, s = this.current, seq = this.seq;
    if (!s) return;
    this.snips += PAGE;
    this.links = Math.max(this.links + MORE_LINKS, this.snips + LINKS);
    if (!s.stopped) { this.render(); return; }
    // the byte budget stopped the reading: the reader asked for the rest, another budget's worth
    this.say('正在检索其余的文章…', 'busy');
    s.rest(s.bytes + BUDGET, true).then(function () { if (seq === self.seq) self.render(); }).catch(function (e) { self.fail(e); });
  };
  UI.prototype.syncUrl = function (text) {
    try {
      var u = new URL(location.href);
      if (!this.results || this.results.hasAttribute('data-search-dropdown')) return;
      if (text) u.searchParams.set('q', text); else u.searchParams.delete('q');
      var f = this.filters(), o = this.steer();
      if (o.sort === 'relevance') o.sort = '';
      Object.keys(o).forEach(function (k) { f[k] = o[k]; });
      Object.keys(f).forEach(function (k) { if (f[k]) u.searchParams.set(k, f[k]); else u.searchParams.delete(k); });
      history.replaceState(null, '', u.href);
    } catch (e) { /* file:// in some browsers: the URL just stays */ }
  };
  UI.prototype.fillFilters = function () {
    var params = new URLSearchParams(location.search);
    this.selects.forEach(function (sel) {
      var kind = sel.getAttribute('data-search-filter'), vals = (manifest.facets[kind] || []).slice();
      var asked = params.get(kind);
      // a linked name the list does not offer (a person of one article) is offered too
      if (asked && !vals.some(function (v) { return v[0] === asked; })) vals.push([asked, null]);
      vals.forEach(function (v) {
        var o = document.createElement('option');
        o.value = v[0]; o.textContent = v[1] == null ? v[0] : v[0] + '（' + v[1] + '）';
        sel.appendChild(o);
      });
      if (asked) sel.value = asked;
      var wrap = sel.closest('[data-search-filter-wrap]');
      if (wrap && !vals.length) wrap.hidden = true;
    });
    if (this.sortSel && /^(relevance|newest|oldest)$/.test(params.get('sort') || '')) this.sortSel.value = params.get('sort');
    var span = manifest.dated || [];
    this.dateInputs.forEach(function (i) {
      var v = params.get(i.getAttribute('data-search-date'));
      if (span.length) { i.min = span[0]; i.max = span[1]; }
      if (v && /^\d{4}-\d{2}-\d{2}$/.test(v)) i.value = v;
    });
  };
  UI.prototype.bind = function () {
    var self = this;
    var run = function (src) {
      self.text = src.value;
      if (!manifest) return;  // init asks once the manifest is in
      self.inputs.forEach(function (i) { if (i !== src) i.value = src.value; });
      // answer at once (index files are cached, a stale answer is dropped by seq);
      // an event that does not change the query (compositionend, then input) is not asked again
      if (self.asking() === self.asked) return;
      self.query();
    };
    this.inputs.forEach(function (inp) {
      // while an IME composes (pinyin letters), wait for the characters it commits
      inp.addEventListener('input', function (e) { if (!e.isComposing) run(inp); });
      inp.addEventListener('compositionend', function () { run(inp); });
      inp.addEventListener('focus', function () {
        self.preload();
        if (self.closed && inp.value.trim()) { self.closed = false; self.query(); }  // reopened
      });
      inp.addEventListener('keydown', function (e) {
        if (e.key === 'ArrowDown') {
          var a = self.results.querySelector('a');
          if (a) { e.preventDefault(); a.focus(); }
        } else if (e.key === 'Escape' && self.dropdown) { e.preventDefault(); self.close(); }
      });
      if (inp.form) inp.form.addEventListener('submit', function (e) {
        // the header box elsewhere goes to search.html (a linkable ?q= page);
        // only the search page's own form answers in place
        if (!manifest || !inp.form.hasAttribute('data-search-form')) return;
        e.preventDefault(); self.text = inp.value; self.query();
      });
    });
    this.selects.forEach(function (s) { s.addEventListener('change', function () { self.query(); }); });
    if (this.sortSel) this.sortSel.addEventListener('change', function () { self.query(); });
    this.dateInputs.forEach(function (i) {
      i.addEventListener('change', function () { if (self.asking() !== self.asked) self.query(); });
    });
    if (this.moreBtn) this.moreBtn.addEventListener('click', function () { self.more(); });
    this.results.addEventListener('keydown', function (e) {
      var links = Array.prototype.slice.call(self.results.querySelectorAll('a')), i = links.indexOf(document.activeElement);
      if (i < 0) return;
      if (e.key === 'ArrowDown' && i + 1 < links.length) { e.preventDefault(); links[i + 1].focus(); }
      else if (e.key === 'ArrowUp') { e.preventDefault(); (i ? links[i - 1] : self.inputs[self.inputs.length - 1]).focus(); }
      else if (e.key === 'Escape') {
        e.preventDefault();
        self.inputs[self.inputs.length - 1].focus();
        if (self.dropdown) self.close();
      }
    });
    if (this.dropdown) {  // a click elsewhere closes the header box's list too
      document.addEventListener('click', function (e) {
        var t = e.target, form = self.inputs[0] && self.inputs[0].form;
        if (!self.closed && !(form && form.contains(t)) && !self.results.contains(t) && !(self.status && self.status.contains(t))) self.close();
      });
    }
    document.addEventListener('keydown', function (e) {
      var t = e.target, typing = t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
      if (e.key === '/' && !typing) { e.preventDefault(); var inp = self.inputs[self.inputs.length - 1]; inp.focus(); inp.select(); }
    });
  };

  // ---- the opened article: ?hl= marks the query in its text -------------------------------
  // Text nodes are split around the matches and each match put in a <mark> made with the
  // DOM (textContent), so nothing of the address is ever read as HTML.
  function hlScope() {
    var els = Array.prototype.slice.call(document.querySelectorAll('.story-head h1, .story-head .kicker, .story-head .subtitle, .story-body'));
    if (!els.length) els = [document.querySelector('article') || document.querySelector('main')].filter(Boolean);
    return els;
  }
  function highlight(q) {
    var terms = parseQuery(q).terms, count = 0;
    if (!terms.length) return 0;
    hlScope().forEach(function (el) {
      var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT, null), nodes = [], t;
      while ((t = walker.nextNode())) if (t.nodeValue.trim() && !t.parentNode.closest('mark, script, style, noscript')) nodes.push(t);
      nodes.forEach(function (node) {
        var chars = Array.from(node.nodeValue), marks = markRuns(chars.map(norm), terms);
        if (marks.first < 0) return;
        var frag = document.createDocumentFragment(), buf = '', open = false;
        var flush = function () {
          if (!buf) return;
          if (open) { var m = document.createElement('mark'); m.className = 'search-hl'; m.textContent = buf; frag.appendChild(m); count++; }
          else frag.appendChild(document.createTextNode(buf));
          buf = '';
        };
        for (var i = 0; i < chars.length; i++) {
          var on = !!marks[i];
          if (on !== open) { flush(); open = on; }
          buf += chars[i];
        }
        flush();
        node.parentNode.replaceChild(frag, node);
      });
    });
    var first = document.querySelector('mark.search-hl');
    if (first && first.getBoundingClientRect().top > window.innerHeight && first.scrollIntoView) first.scrollIntoView({block: 'center'});
    return count;
  }
  function highlightFromUrl() {
    var hl = new URLSearchParams(location.search).get('hl');
    if (!hl || !hl.trim() || document.querySelector('[data-search-form]')) return;
    // the folding table, when the query or the page needs it (the manifest says which characters do)
    load('manifest').then(function (m) {
      manifest = manifest || m;
      table = table || buildTable(m);
      return withT2S(hl + hlScope().map(function (el) { return el.textContent; }).join(''));
    }).catch(function () {}).then(function () { reg.highlighted = highlight(hl); });
  }
  reg.highlight = highlight;

  function init() {
    highlightFromUrl();
    var box = document.querySelector('[data-search-results]');
    var forms = document.querySelectorAll('form[role=search] input[name=q]');
    if (!forms.length) return;
    if (!box) { // a page without a search page body: show results under the header box
      box = document.createElement('ol');
      box.setAttribute('data-search-results', '');
      box.setAttribute('data-search-dropdown', '');
      box.className = 'search-dropdown';
      var f = forms[0].form, st = document.createElement('p');
      st.setAttribute('data-search-status', '');
      st.setAttribute('role', 'status');
      st.className = 'search-status search-dropdown-status';
      f.parentNode.insertBefore(st, f.nextSibling);
      f.parentNode.insertBefore(box, st.nextSibling);
    }
    var ui = new UI(box);
    if (ui.dropdown) ui.shown();
    ui.bind();
    var params = new URLSearchParams(location.search);
    var q = params.get('q') || '';
    if (q) ui.inputs.forEach(function (i) { i.value = q; });
    ui.text = q;
    if (ui.status && !box.hasAttribute('data-search-dropdown')) ui.say('正在加载搜索索引…', 'busy');
    load('manifest').then(function (m) {
      manifest = m;
      table = buildTable(m);
      if (m.docs <= 400) LINKS = ui.links = 400;
      ui.fillFilters();
      ui.say('');
      if (ui.inputs.some(function (i) { return i.value; })) {
        ui.text = ui.inputs.filter(function (i) { return i.value; })[0].value;
        ui.query();
      }
      // the search page is for searching: what every query needs loads while the reader types
      if (!box.hasAttribute('data-search-dropdown')) ui.preload();
    }).catch(function (e) { ui.fail(e); });
  }
  reg.parseQuery = parseQuery;
  reg.unitBytes = unitBytes;  // (for tests)
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
