"""Synonym rules for query expansion (Solr / Elasticsearch synonym-file format).

One rule per line::

    a, b, c          equivalent: each term expands to all the others
    a, b => c, d     one-way: a or b in a query also searches c and d, not the reverse
    a => c^0.5       a weight (Lucene's boost syntax) on a one-way target: a related,
                     not equal, concept, searched at that fraction of a synonym's weight
    # comment        whole-line comments and blank lines are ignored

Every term is reduced to a *key* before it is stored or looked up: ``normalize``
(NFKC etc.), then quote marks and all whitespace removed, then Latin letters
lower-cased. So ``“七五”普法``, ``七五普法`` and ``七五 普法`` are one key, and
``互联网＋政务服务`` equals ``互联网+政务服务``.

This module must stay cheap to import: no jieba, no whoosh.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .errors import SynonymFileError
from .normalize import normalize
from .vocabulary import QUOTES

__all__ = ["SynonymMap", "SynonymRule", "term_key", "default_synonyms_path", "everyday_words_path", "slogans_path", "abbreviations_path", "shipped_synonyms"]

# quote marks are ignored in terms (vocabulary.QUOTES: ASCII, typographic, corner brackets)
MAX_SYNONYMS_BYTES = 10_000_000    # a synonyms file is a list of rules: never more than this is read
_DROP = dict.fromkeys(map(ord, QUOTES), None)


def term_key(term: str) -> str:
    """The lookup key of a term: normalised, quote marks and whitespace removed,
    Latin letters lower-cased. Returns "" for a term that is only quotes/space."""
    text = normalize(term).translate(_DROP)
    return "".join(text.split()).lower()


_DATA = Path(__file__).resolve().parent / "data"      # the shipped rule files


def default_synonyms_path() -> Path:
    """The synonyms file shipped with searchlib (``searchlib/data/synonyms.txt``)."""
    return _DATA / "synonyms.txt"


def everyday_words_path() -> Path:
    """The shipped everyday-word rules (``searchlib/data/everyday.txt``: 辞退 => 解除劳动合同^0.9)."""
    return _DATA / "everyday.txt"


def abbreviations_path() -> Path:
    """The shipped abbreviations of official language (``searchlib/data/abbreviations.txt``:
    高校, 高等学校; 国企 => 国有企业^0.9)."""
    return _DATA / "abbreviations.txt"


def slogans_path() -> Path:
    """The shipped policy-slogan rules (``searchlib/data/slogans.txt``: 三去一降一补 => 去产能, …)."""
    return _DATA / "slogans.txt"


def shipped_synonyms() -> "SynonymMap":
    """The shipped jargon synonyms, policy slogans, everyday-word rules and abbreviations, merged."""
    return SynonymMap.merge(*(SynonymMap.load(p) for p in (default_synonyms_path(), slogans_path(),
                                                            everyday_words_path(), abbreviations_path())))


@dataclass(frozen=True)
class SynonymRule:
    """One line of a synonyms file.

    ``targets`` is None for an equivalence group (``lhs`` are all the terms);
    for a one-way rule it holds the right-hand terms. Terms are keys (see ``term_key``).
    """

    lhs: tuple[str, ...]
    targets: tuple[str, ...] | None = None
    source: str = "<string>"
    line: int = 0
    weights: tuple[float, ...] = ()     # per target (one-way rules); () means all 1.0

    def weight_of(self, term: str) -> float:
        """The weight of ``term`` as an expansion of this rule (1.0 unless written ``term^w``)."""
        if self.weights and self.targets is not None and term in self.targets:
            return self.weights[self.targets.index(term)]
        return 1.0

    @property
    def equivalent(self) -> bool:
        return self.targets is None

    def expansions_of(self, key: str) -> Iterator[str]:
        """Terms this rule adds for ``key`` (which must be one of ``lhs``), in rule order."""
        for term in self.lhs if self.targets is None else self.targets:
            if term != key:
                yield term


_WEIGHT = re.compile(r"\^\s*([0-9]*\.?[0-9]+)\s*$")


def _split_weighted(side: str, where: str, what: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The terms of a rule's right side and their weights (``term^0.5``; 1.0 without)."""
    items, weights = [], []
    for item in side.split(","):
        m = _WEIGHT.search(item)
        w = 1.0
        if m:
            w = float(m.group(1))
            if not 0 < w <= 1:
                raise SynonymFileError(f"{where}: weight {m.group(1)} of {item[:m.start()].strip()!r} "
                                       f"must be above 0 and at most 1")
            item = item[:m.start()]
        items.append(item)
        weights.append(w)
    keys = _split_terms(",".join(items), where, what)
    by_key = {}
    for item, w in zip(items, weights):
        key = term_key(item)
        by_key[key] = max(w, by_key.get(key, 0.0))
    return keys, tuple(by_key[k] for k in keys)


def _split_terms(side: str, where: str, what: str) -> tuple[str, ...]:
    raw = side.split(",")
    keys: list[str] = []
    for item in raw:
        if not item.strip():
            if len(raw) == 1:
                raise SynonymFileError(f"{where}: {what} is empty")
            raise SynonymFileError(f"{where}: empty term in {what} (stray comma?)")
        if "^" in item:
            # a weight left here: on the left side or in a group, or not a number (b^, b^1e-1)
            if _WEIGHT.search(item) and "right side" not in what:
                raise SynonymFileError(f"{where}: weights (term^0.5) are for the targets of a one-way rule "
                                       f"(a => b^0.5), not {what}")
            raise SynonymFileError(f"{where}: {item.strip()!r} in {what}: a weight is written term^0.5 "
                                   f"(a number above 0, at most 1)")
        key = term_key(item)
        if not key:
            raise SynonymFileError(f"{where}: term {item.strip()!r} in {what} is empty once quotes are removed")
        if key not in keys:
            keys.append(key)
    return tuple(keys)


def _parse_line(line: str, source: str, lineno: int) -> SynonymRule | None:
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    where = f"{source}:{lineno}"
    parts = text.split("=>")
    if len(parts) > 2:
        raise SynonymFileError(f"{where}: more than one '=>' in a rule")
    if len(parts) == 2:
        lhs = _split_terms(parts[0], where, "the left side of '=>'")
        rhs, weights = _split_weighted(parts[1], where, "the right side of '=>'")
        return SynonymRule(lhs, rhs, source, lineno, weights if any(w != 1.0 for w in weights) else ())
    if _WEIGHT.search(parts[0].split(",")[0]) or any(_WEIGHT.search(t) for t in parts[0].split(",")):
        raise SynonymFileError(f"{where}: weights (term^0.5) are for the targets of a one-way rule (a => b^0.5)")
    terms = _split_terms(parts[0], where, "the group")
    if len(parts[0].split(",")) < 2:
        raise SynonymFileError(
            f"{where}: a group needs at least two comma-separated terms (or 'a => b' for a one-way rule)")
    return SynonymRule(terms, None, source, lineno)


class SynonymMap:
    """Synonym rules with lookup by term (``expand``) and inside a longer string (``find``)."""

    def __init__(self, rules: Iterable[SynonymRule] = ()):
        self._rules: list[SynonymRule] = []
        self._exp: dict[str, list[str]] = {}
        self._weights: dict[tuple[str, str], float] = {}     # (key, expansion) -> weight below 1
        # first character -> candidate key lengths, longest first (for find())
        self._by_first: dict[str, list[int]] = {}
        for rule in rules:
            self._add(rule)

    # ------------------------------------------------------------ building
    def _add(self, rule: SynonymRule) -> None:
        self._rules.append(rule)
        for key in rule.lhs:
            out = self._exp.setdefault(key, [])
            for term in rule.expansions_of(key):
                w = rule.weight_of(term)
                if term not in out:
                    out.append(term)
                    if w < 1.0:
                        self._weights[key, term] = w
                elif (key, term) in self._weights:            # the larger weight of two rules
                    if w >= 1.0:
                        del self._weights[key, term]
                    else:
                        self._weights[key, term] = max(w, self._weights[key, term])
            lengths = self._by_first.setdefault(key[0], [])
            if len(key) not in lengths:
                lengths.append(len(key))
                lengths.sort(reverse=True)

    @classmethod
    def parse(cls, text: str, source: str = "<string>") -> "SynonymMap":
        """Parse synonym-file text. Raises ``SynonymFileError`` ("source:line: message")
        for a malformed line: an empty side of '=>', more than one '=>', an empty
        term, or a group of a single term."""
        if text.startswith("\ufeff"):
            text = text[1:]
        rules = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            rule = _parse_line(line, source, lineno)
            if rule is not None:
                rules.append(rule)
        return cls(rules)

    @classmethod
    def load(cls, path) -> "SynonymMap":
        """Read a UTF-8 synonyms file (a leading BOM is fine): a regular file of at most
        MAX_SYNONYMS_BYTES (``--synonyms-file /dev/zero`` is refused, not read forever)."""
        path = Path(path)
        try:
            if not path.is_file():
                raise SynonymFileError(f"{path}: not a regular file")
            with path.open("rb") as fh:
                data = fh.read(MAX_SYNONYMS_BYTES + 1)
            if len(data) > MAX_SYNONYMS_BYTES:
                raise SynonymFileError(f"{path}: larger than {MAX_SYNONYMS_BYTES // 1_000_000} MB; "
                                       "a synonyms file is a list of rules")
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SynonymFileError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
        except OSError as exc:
            raise SynonymFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
        return cls.parse(text, source=str(path))

    @classmethod
    def merge(cls, *maps: "SynonymMap") -> "SynonymMap":
        """A new map with the rules of all ``maps``, in order (later maps add rules)."""
        return cls(rule for m in maps for rule in m._rules)

    # ------------------------------------------------------------ lookup
    @property
    def rules(self) -> tuple[SynonymRule, ...]:
        return tuple(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and term_key(term) in self._exp

    def __repr__(self) -> str:
        return f"<SynonymMap {len(self._rules)} rules, {len(self._exp)} terms>"

    def terms(self) -> set[str]:
        """All left-hand terms (as keys): every term of an equivalence group and
        the left side of every one-way rule."""
        return set(self._exp)

    def expand(self, term: str) -> list[str]:
        """The other terms a query term expands to (never the term itself), in file
        order, without duplicates; [] for a term with no rule."""
        return list(self._exp.get(term_key(term), ()))

    def weight(self, term: str, expansion: str) -> float:
        """How much ``expansion`` of ``term`` counts: 1.0 for a synonym, the rule's
        ``^weight`` for a related concept."""
        return self._weights.get((term_key(term), term_key(expansion)), 1.0)

    def find(self, text: str, *, boundaries: Iterable[int] | None = None
             ) -> list[tuple[int, int, str, list[str]]]:
        """Occurrences of left-hand terms inside ``text`` (e.g. an unsegmented query
        such as "两法衔接案件"), as ``(start, end, term, expansions)``.

        Matching is greedy, left to right, longest term first, and matches do not
        overlap. ``start``/``end`` index the original ``text``; ``term`` is the key
        that matched. Quote marks and spaces in ``text`` are skipped, width and
        Latin case are ignored, as for ``expand``.

        A term is not reported where the text already spells out one of its own
        expansions around it (复议 inside 行政复议 under ``复议 => 行政复议``).
        If ``boundaries`` (offsets into ``text``, e.g. the token boundaries of the
        segmented query) is given, only matches that start and end on a boundary
        are reported, so a term is never cut out of the middle of a longer token.
        """
        if not self._exp or not text:
            return []
        chars, origin = self._keyed(text)
        n = len(chars)
        norm = "".join(chars)
        allowed = None if boundaries is None else set(boundaries)
        out = []
        i = 0
        while i < n:
            hit = self._longest_at(norm, i, origin, len(text), allowed)
            if hit is None:
                i += 1
                continue
            key, j = hit
            covered = self._covered_by_expansion(norm, i, key)
            if covered is not None:
                i = covered
                continue
            start = origin[i]
            end = origin[j - 1] + 1
            out.append((start, end, key, list(self._exp[key])))
            i = j
        return out

    # ------------------------------------------------------------ helpers
    @staticmethod
    def _keyed(text: str) -> tuple[list[str], list[int]]:
        """Key-normalise ``text`` character by character, remembering for every
        output character the index of the input character it came from."""
        chars: list[str] = []
        origin: list[int] = []
        for idx, ch in enumerate(text):
            for out in term_key(ch):
                chars.append(out)
                origin.append(idx)
        return chars, origin

    def _longest_at(self, norm: str, i: int, origin: list[int], text_len: int, allowed):
        for length in self._by_first.get(norm[i], ()):
            j = i + length
            if j > len(norm):
                continue
            key = norm[i:j]
            if key not in self._exp:
                continue
            if allowed is not None:
                end = origin[j - 1] + 1
                if origin[i] not in allowed or end not in allowed:
                    continue
            return key, j
        return None

    def _covered_by_expansion(self, norm: str, i: int, key: str) -> int | None:
        """If an expansion of ``key`` that contains ``key`` is written out in
        ``norm`` around position ``i``, return the end of that occurrence."""
        for exp in self._exp[key]:
            if len(exp) <= len(key):
                continue
            offset = exp.find(key)
            while offset != -1:
                start = i - offset
                if start >= 0 and norm.startswith(exp, start):
                    return start + len(exp)
                offset = exp.find(key, offset + 1)
        return None
