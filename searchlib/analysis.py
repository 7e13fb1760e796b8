"""Analysis: the one tokenizer used at index time and at query time.

``PolicyTokenizer`` is a Whoosh tokenizer over jieba (HMM off, so the same string
always segments the same way) with the project's user dictionary of policy terms:

* positions are sequential over the *main* segmentation, so phrase queries work;
* in index mode each long word also emits its dictionary sub-words (jieba's
  search mode) at the *same* position, so 两法衔接 is one token yet 衔接 still
  finds it, and a phrase over main tokens is not broken by the extra tokens;
* numbers keep their unit: "30件" is a token (with "30" and "件" beside it),
  "95.7%" and "192.05万平方米" stay whole instead of falling apart at the dot; the
  units are those of :mod:`searchlib.vocabulary`, with their scales and 余/多
  (30余件, 1.5万余人), but not where the unit starts a word (12|部门, 100|周年);
* character offsets are exact, for highlighting Chinese text;
* Latin letters are lower-cased; punctuation and spaces are dropped.

Segmentation is jieba's, with two interchangeable engines: the ``jieba`` package
(always; queries use it with the dictionary read on demand from SQLite, see
``get_segmenter``) and, for indexing when it is installed, ``rjieba`` (jieba-rs, the
same algorithm and dictionary in Rust, several times faster). Both are given the same
user dictionary; tests/test_analysis.py checks that they cut every seed paragraph into
the same words, and an index records which one built it (``segmenter_name``).

Global state (per process, all lazy): the segmenter (``get_segmenter``), the analysis
fingerprint (a hash of constants), a per-word cache of sub-words and the memo of short
texts (``_segment_short``); none of them depends on an index.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
import threading
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import numpy as np
from whoosh.analysis import Token, Tokenizer

from .normalize import normalize
from .vocabulary import APPROX, CJK, DATE_PARTS, LARGE_SCALES, QUOTES, SCALES, UNITS, alternation, unit_regex

ANALYZER_VERSION = "4"   # bump when tokenisation changes: old indexes become stale (3: units from vocabulary; 4: traditional Chinese folded to simplified)
USERDICT_PATH = Path(__file__).parent / "data" / "userdict.txt"

# A number as written in the reports: 3,823  192.05  95.7%  20万  1.5万余
_NUMBER = re.compile(r"\d+(?:,\d{3})+(?![\d])(?:\.\d+)?|\d+(?:\.\d+)?")
# What stays attached to a number (vocabulary.UNITS, read as figures read them):
# * a unit of any class (dates and ages too: 5月, 23日, 60岁) with an optional scale and
#   "approximately" marker (192.05万平方米, 30余件, 1.5万余人, 20余万元);
# * unless the unit's guard says it starts a word (12|部门, 100|周年); the date parts
#   年 月 日 keep the year whole whatever follows (2017年|度, 2017年|底);
# * or a large scale alone (20万, 3000多万).
_UNIT_AFTER = re.compile(rf"""(?:{alternation(SCALES)})?[{APPROX}]?[{LARGE_SCALES}]?
                              (?:{unit_regex(UNITS, unguarded=DATE_PARTS)})
                            |[{APPROX}]?[{LARGE_SCALES}]""", re.X)
# quotation marks around jargon (“七五”普法, “放管服”改革) are not word breaks: they are
# removed before segmentation so the quoted and the unquoted spelling give the same tokens
_QUOTES = re.compile(f"[{re.escape(QUOTES)}]")
_WORDCHAR = re.compile(rf"[\w{CJK}+#&]", re.UNICODE)
_HAN = re.compile(f"[{CJK}]")
_UPPER = re.compile(r"[^\W\d_a-z\u3400-\u9fff]")      # a character lower() would change (roughly)

_SURROGATE = re.compile("[\ud800-\udfff]")

_lock = threading.Lock()
_segmenter = None


def cache_dir() -> Path:
    """Where the segmenter's dictionary database is kept (SEARCHLIB_CACHE overrides)."""
    base = os.environ.get("SEARCHLIB_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "searchlib")
    return Path(base)


def _full_segmenter():
    import jieba          # here, not at the top: slow to import, and only needed once text is segmented
    jieba.setLogLevel(logging.WARNING)
    seg = jieba.Tokenizer()
    # jieba's own dictionary cache, in the user's cache folder (mode 700), never a shared /tmp
    # where another user's (or a planted) jieba.cache would be loaded
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:                      # no writable home: a private folder of this process
        import tempfile
        folder = Path(tempfile.mkdtemp(prefix="searchlib-jieba-"))
    seg.tmp_dir = str(folder)
    seg.initialize()
    if USERDICT_PATH.exists():
        seg.load_userdict(str(USERDICT_PATH))
    return seg


def _userdict_entries():
    """(word, freq or None, tag or None) of the user dictionary, as jieba reads it."""
    if not USERDICT_PATH.exists():
        return
    for line in USERDICT_PATH.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split()
        if not parts:
            continue
        word = parts[0]
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[-1] if len(parts) > 1 and not parts[-1].isdigit() else None
        yield word, freq, tag


@lru_cache(maxsize=1)
def curated_words() -> frozenset:
    """The words of the user dictionary: policy jargon the project curated (两法衔接), each
    matched as itself, never by its separate halves when synonyms are off."""
    return frozenset(word for word, _, _ in _userdict_entries())


class RustSegmenter:
    """jieba's dictionary (``FREQ``, read for sub-words) with rjieba's ``cut``: the
    same words as jieba's, several times faster. Used to index when rjieba is installed
    (SEARCHLIB_SEGMENTER=jieba turns it off)."""

    def __init__(self, seg):
        import rjieba     # optional accelerator, imported only to index
        self.FREQ, self.total, self.initialized = seg.FREQ, seg.total, True
        self._rust = rjieba.Jieba()
        for word, freq, tag in _userdict_entries():
            self._rust.add_word(word, freq, tag)

    def cut(self, text: str, HMM: bool = False):
        try:
            return self._rust.cut(text, hmm=HMM)
        except UnicodeEncodeError:
            # a lone surrogate (a query from undecodable bytes) cannot cross into Rust: cut the
            # text with U+FFFD in its place, then give back the words of the text as it was
            words, pos = [], 0
            for word in self._rust.cut(_SURROGATE.sub("\ufffd", text), hmm=HMM):
                words.append(text[pos:pos + len(word)])
                pos += len(word)
            return words


def rjieba_available() -> bool:
    if os.environ.get("SEARCHLIB_SEGMENTER", "").lower() == "jieba":
        return False
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return False
    return True


def segmenter_name(seg=None) -> str:
    """Which engine segments (recorded in the index): 'rjieba X' or 'jieba X'."""
    seg = seg or _segmenter
    if isinstance(seg, RustSegmenter):
        return f"rjieba {version('rjieba')}"
    return f"jieba {version('jieba')}"


class _LazyFreq:
    """jieba's prefix dictionary (word → frequency, 0 for prefixes) read from SQLite on
    demand and memoised: a process that segments only a query reads a few dozen rows
    instead of loading 500k entries. Same data, so the same segmentation."""

    def __init__(self, path: Path):
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._memo: dict = {}
        self._lock = threading.Lock()

    def get(self, word, default=None):
        try:
            return self._memo[word]
        except KeyError:
            with self._lock:
                row = self._db.execute("SELECT n FROM freq WHERE w = ?", (word,)).fetchone()
            value = self._memo[word] = row[0] if row else None
            return default if value is None else value

    def __contains__(self, word):
        return self.get(word) is not None

    def __getitem__(self, word):
        value = self.get(word)
        if value is None:
            raise KeyError(word)
        return value

    def total(self) -> int:
        return self._db.execute("SELECT n FROM meta WHERE k = 'total'").fetchone()[0]


def _dictionary_db() -> Path:
    return cache_dir() / f"dict-{analysis_fingerprint()}.sqlite"


def _write_dictionary_db(seg, path: Path) -> None:
    """Persist ``seg``'s prefix dictionary; written to a temporary file and renamed, so
    a reader never sees half a database."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    db = sqlite3.connect(tmp)
    db.execute("CREATE TABLE freq (w TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID")
    db.execute("CREATE TABLE meta (k TEXT PRIMARY KEY, n INTEGER)")
    db.executemany("INSERT INTO freq VALUES (?, ?)", seg.FREQ.items())
    db.execute("INSERT INTO meta VALUES ('total', ?)", (seg.total,))
    db.commit()
    db.close()
    os.replace(tmp, path)


def get_segmenter(full: bool = False):
    """The process-wide jieba tokenizer with the policy user dictionary (lazy, thread-safe).

    With ``full`` (indexing: lots of text) the whole dictionary is loaded in memory, and
    saved once to the cache as SQLite, and rjieba cuts when it is installed. Otherwise
    (queries: a few words) the saved dictionary is read on demand, which makes a
    one-off query start fast."""
    global _segmenter
    seg = _segmenter
    if seg is not None and (not full or not isinstance(seg.FREQ, _LazyFreq)):
        return seg
    with _lock:
        seg = _segmenter
        if seg is not None and (not full or not isinstance(seg.FREQ, _LazyFreq)):
            return seg
        path = _dictionary_db()
        if not full and path.exists():
            import jieba      # slow to import; see _full_segmenter
            seg = jieba.Tokenizer()
            freq = _LazyFreq(path)
            seg.FREQ, seg.total, seg.initialized = freq, freq.total(), True
        else:
            seg = _full_segmenter()
            if not path.exists():
                try:
                    _write_dictionary_db(seg, path)
                except OSError:
                    pass          # a read-only cache only costs start-up time
            if full and rjieba_available():
                seg = RustSegmenter(seg)
        _segmenter = seg
    return seg


_fingerprint = None


def analysis_fingerprint() -> str:
    """Identifies everything that decides which tokens a text produces. An index
    built with another fingerprint is stale and must be rebuilt."""
    global _fingerprint
    if _fingerprint is None:
        h = hashlib.sha1()
        h.update(ANALYZER_VERSION.encode())
        h.update(version("jieba").encode())
        if USERDICT_PATH.exists():
            h.update(USERDICT_PATH.read_bytes())
        _fingerprint = h.hexdigest()[:16]
    return _fingerprint


_WORD_INFO: dict = {}      # word -> None (punctuation, space) or its sub-words ((offset, gram), ...)
_WORD_INFO_MAX = 500_000


def _classify(seg, word: str):
    """None for punctuation and spaces, else the word's sub-words ((offset, gram), ...)."""
    if not _WORDCHAR.search(word):
        return None
    if len(word) > 2 and _HAN.match(word):
        return tuple(_subwords(seg, word))
    return ()


def _word_info(seg, word: str):
    """``_classify`` through the per-word cache (a segmenter with the whole dictionary)."""
    info = _WORD_INFO.get(word, _WORD_INFO)
    if info is _WORD_INFO:
        info = _classify(seg, word)
        if len(_WORD_INFO) >= _WORD_INFO_MAX:
            _WORD_INFO.clear()
        _WORD_INFO[word] = info
    return info


def _subwords(seg, word: str):
    """Dictionary words of 2-4 characters inside a longer word (jieba's search mode, plus 4)."""
    freq = seg.FREQ
    n = len(word)
    for k in (2, 3, 4):
        if n > k:
            for i in range(n - k + 1):
                gram = word[i:i + k]
                if freq.get(gram):
                    yield i, gram


def dictionary_parts(word: str) -> list[str]:
    """The dictionary words of 2-4 characters inside ``word`` (what its sub-words are)."""
    return [gram for _, gram in _subwords(get_segmenter(), word)]


def segment(text: str, subwords: bool = False) -> list[tuple[str, int, int, bool]]:
    """(word, start, end, is_main) over normalised ``text``.

    Main words tile the text (punctuation and spaces excluded); sub-words follow
    the main word they belong to. This is the whole tokenisation logic: the
    Whoosh tokenizer, the passage index and the benchmarks all call it.
    """
    out: list = []
    seg = None
    pos = 0
    for m in _NUMBER.finditer(text):
        if m.start() > pos:
            if seg is None:
                seg = get_segmenter()
            _segment_words(out, seg, text, pos, m.start(), subwords)
        start, end = m.span()
        number = m.group().replace(",", "")
        unit = _UNIT_AFTER.match(text, end)
        if unit:
            uend = unit.end()
            out.append((number + unit.group(), start, uend, True))
            if subwords:
                out.append((number, start, end, False))
                out.append((unit.group(), end, uend, False))
            pos = uend
        else:
            out.append((number, start, end, True))
            pos = end
    if pos < len(text):
        if seg is None:
            seg = get_segmenter()
        _segment_words(out, seg, text, pos, len(text), subwords)
    return out


def _segment_words(out: list, seg, text, start, end, subwords) -> None:
    """Append the words (and sub-words) of text[start:end] to ``out``."""
    chunk = text[start:end]
    if _QUOTES.search(chunk):
        # segment without the quotes; map offsets back to the text with them
        keep = [i for i, ch in enumerate(chunk) if not _QUOTES.match(ch)]
        chunk = "".join(chunk[i] for i in keep)
        where = [start + i for i in keep]
    else:
        where = None
    offset = 0
    # the sub-word cache is only for a segmenter with the whole dictionary (indexing)
    cache = _WORD_INFO if not isinstance(seg.FREQ, _LazyFreq) else None
    append = out.append
    for word in seg.cut(chunk, HMM=False):
        wstart = offset
        offset += len(word)
        info = cache.get(word, _WORD_INFO) if cache is not None else _WORD_INFO
        if info is _WORD_INFO:
            info = _word_info(seg, word) if cache is not None else _classify(seg, word)
        if info is None:
            continue          # punctuation, spaces
        if where is None:
            append((word, start + wstart, start + offset, True))
            if subwords:
                for i, gram in info:
                    append((gram, start + wstart + i, start + wstart + i + len(gram), False))
        else:
            append((word, where[wstart], where[offset - 1] + 1, True))
            if subwords:
                for i, gram in info:
                    append((gram, where[wstart + i], where[wstart + i + len(gram) - 1] + 1, False))


def tokens(text: str, subwords: bool = False) -> list[str]:
    """The main tokens of ``text`` (lower-cased), as the index sees them."""
    return [w.lower() for w, _, _, main in segment(normalize(text), subwords) if main or subwords]


_SHORT_TEXT = 120   # characters: titles, heading paths, queries


@lru_cache(maxsize=8192)
def _segment_short(text: str, subwords: bool) -> tuple:
    """``segment`` memoised for short texts. Every passage of a section repeats its heading
    path, so indexing would otherwise segment the same few strings thousands of times."""
    return tuple(segment(text, subwords))


class PolicyTokenizer(Tokenizer):
    """Whoosh tokenizer; see the module docstring. Pickled into the index schema by
    its import path ``searchlib.analysis.PolicyTokenizer``: keep that path stable."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        text = normalize(value)
        pos = start_pos - 1
        subwords = mode != "query"
        words = _segment_short(text, subwords) if len(text) <= _SHORT_TEXT else segment(text, subwords)
        for word, s, e, main in words:
            if main:
                pos += 1
            t.text = word.lower()
            if keeporiginal:
                t.original = word
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = pos
            if chars:
                t.startchar = start_char + s
                t.endchar = start_char + e
            yield t


def PolicyAnalyzer():
    """The analyzer stored in the index schema for every full-text field."""
    return PolicyTokenizer()


def index_tokens(value: str, max_positions: int = 65535) -> tuple[list[str], "np.ndarray"]:
    """The tokens a field's text is indexed as, and their positions (an int array): the
    tokenizer's index mode (main words advance the position, their sub-words share it),
    lower-cased, stopping before position ``max_positions``."""
    text = normalize(value)
    tokens = _segment_short(text, True) if len(text) <= _SHORT_TEXT else segment(text, True)
    words = [t[0] for t in tokens]
    positions = np.cumsum(np.fromiter((t[3] for t in tokens), bool, len(tokens)), dtype=np.int64) - 1
    if len(positions) and positions[-1] >= max_positions:
        cut = int(np.searchsorted(positions, max_positions))
        words, positions = words[:cut], positions[:cut]
    if _UPPER.search(text):
        words = [w.lower() for w in words]
    return words, positions
