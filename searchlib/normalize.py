"""Text normalisation: the one place where characters are normalised.

Used by ingestion (document text), by the analyzer (index and query time) and by
query parsing, so that what is indexed and what is searched are always the same.

``normalize`` is the matching form: NFKC, whitespace, and traditional Chinese folded to
simplified (``fold_traditional``: OpenCC's hk2s conversion, phrase-level, HK/TW variant
characters included), so 行政復議 and 行政复议 are the same tokens. Document text keeps its
characters as written (``normalize_document_text`` does not fold); folding never changes a
text's length, so offsets found in the folded form hold in the displayed one.
"""
import re
import unicodedata
from functools import lru_cache

from .vocabulary import CJK

# zero-width and BOM characters that survive NFKC
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# any run of horizontal whitespace (NFKC already maps U+3000, NBSP, en/em spaces to U+0020)
_HSPACE = re.compile(r"[^\S\n]+")
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef“”‘’、。，：；！？《》〈〉【】〔〕,:;!?()"
# a space between two CJK characters (or CJK punctuation) is layout, not a word break
_SPACE_IN_CJK = re.compile(rf"(?<=[{CJK}{_CJK_PUNCT}]) (?=[{CJK}{_CJK_PUNCT}])")


def normalize(text: str) -> str:
    """The matching form of ``text``: ``normalize_chars`` then ``fold_traditional``.
    Used for every token indexed and every query, nowhere for text that is shown."""
    return fold_traditional(normalize_chars(text))


def normalize_chars(text: str) -> str:
    """NFKC (full-width ASCII to half-width, compatibility forms), drop invisible
    characters, unify line breaks and collapse horizontal whitespace to one space.

    Line breaks are kept: they separate paragraphs. Spaces are kept too: in a
    query they separate terms.
    """
    if not text:
        return ""
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _HSPACE.sub(" ", text)


def normalize_document_text(text: str) -> str:
    """``normalize`` plus the clean-up that only makes sense for running text:
    spaces between Chinese characters are layout and are removed, each line is
    stripped, runs of blank lines collapse to one."""
    text = normalize_chars(text)
    lines = []
    for line in text.split("\n"):
        line = _SPACE_IN_CJK.sub("", line.strip())
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip()


# Traditional → simplified. OpenCC (C++, phrase-level dictionaries: 乾隆 stays, 乾淨 → 干净)
# with its Hong Kong config, which also maps HK/TW variant characters (衞, 綫, 裡) that
# plain t2s leaves. Length-preserving by contract: a conversion that changes the length of
# a text (a phrase mapped to a longer or shorter one; none is known in hk2s) is redone
# character by character.
_CJK_CHAR = re.compile(f"[{CJK}]")


@lru_cache(maxsize=1)
def _converter():
    import opencc       # imported on first use: queries over ASCII never load it
    return opencc.OpenCC("hk2s.json")


def fold_traditional(text: str) -> str:
    """``text`` with traditional Chinese characters and phrases in their simplified form,
    same length. Simplified text comes back unchanged."""
    if not text or text.isascii() or not _CJK_CHAR.search(text):
        return text
    folded = _converter().convert(text)
    if len(folded) == len(text):
        return folded
    return "".join(_fold_char(ch) for ch in text)


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    folded = _converter().convert(ch)
    return folded if len(folded) == 1 else ch


# NFKC turns the full-width punctuation of Chinese text into ASCII (，→ , ：→ :); matching
# needs that, people reading a passage do not. Between or next to Chinese characters the
# ASCII forms are put back as they are written in Chinese text (3,823 and 1:2 stay as they are).
_FULL_WIDTH = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"}
_CJK_CONTEXT = CJK + "、。“”‘’《》〈〉【】〔〕，：；！？（）"
_ASCII_PUNCT_BY_CJK = re.compile(rf"(?<=[{_CJK_CONTEXT}])[,:;!?()]|[,:;!?()](?=[{_CJK_CONTEXT}])")


def display_text(text: str) -> str:
    """Normalised text as a reader expects to see it: ASCII punctuation next to Chinese
    characters in its full-width form. Same length, so character offsets still hold."""
    # twice: a mark next to one just put back (…):) is next to Chinese punctuation too
    for _ in range(2):
        text = _ASCII_PUNCT_BY_CJK.sub(lambda m: _FULL_WIDTH[m.group()], text)
    return text
