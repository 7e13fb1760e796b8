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
# a run of question marks (three or more, spaces between allowed): what an encoder writes for
# characters its charset lacks (NBSP and layout spaces in a Big5 or GBK copy of a page), not text
_REPLACED = re.compile(r"[?？](?:[ \t]*[?？]){2,}")
# a space between two CJK characters (or CJK punctuation) is layout, not a word break
_SPACE_IN_CJK = re.compile(rf"(?<=[{CJK}{_CJK_PUNCT}]) (?=[{CJK}{_CJK_PUNCT}])")


# a number typeset with a space after every digit (1 9 9 7 年, 4 9 2 5 0 万吨, 3 0 年: PDF and
# old-page layouts) and the space between it and the Chinese text around it
_SPACED_DIGITS = re.compile(rf"(?:(?<=[{CJK}{_CJK_PUNCT}]) )?(?<![0-9A-Za-z.])((?:[0-9] (?:\. )?)+[0-9])(?![0-9A-Za-z])"
                            rf"(?: (?=[{CJK}{_CJK_PUNCT}%]))?")


# ... and a number set off by spaces from the Chinese text, its unit or its decimal point
# (增长6 %, 5 .4 %, 达到 120 万吨, 增加到8 .7 平方米: old pages and PDF layouts): layout too
_SPACED_NUMBER = re.compile(rf"(?:(?<=[{CJK}]) )?(?<![A-Za-z] )(?<![0-9A-Za-z.])([0-9]+(?: ?\.[0-9]+)?) ?(?=[{CJK}%‰])")


def _join_digits(m: re.Match) -> str:
    return m.group(1).replace(" ", "")


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
    stripped, runs of blank lines collapse to one, runs of ``???`` (characters an
    encoder could not write) are spaces, and a number typeset digit by digit is one
    number again (粮食总产量稳定在4 9 2 5 0 万吨 → 49250万吨)."""
    text = normalize_chars(text)
    if "??" in text:
        text = _REPLACED.sub(" ", text)
    lines = []
    for line in text.split("\n"):
        line = _SPACE_IN_CJK.sub("", _HSPACE.sub(" ", line).strip())
        if " " in line:
            line = _SPACED_NUMBER.sub(_join_digits, _SPACED_DIGITS.sub(_join_digits, line))
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip()


# Traditional → simplified. OpenCC (C++, phrase-level dictionaries: 乾隆 stays, 乾淨 → 干净)
# with its Hong Kong config, which also maps HK/TW variant characters (衞, 綫, 裡) that
# plain t2s leaves. Two guards:
# * Simplified text is never converted: t2s applied to it turns 破坏土地 into 破坯土地 (坏土 is
#   a traditional phrase), 乾县 into 干县, 二噁英 into 二𫫇英. Only clauses (text between
#   punctuation and spaces) holding a character that exists only in traditional writing (one
#   the conversion changes and that GB2312, the simplified character set, lacks) are
#   converted, so simplified reports come back untouched (of 18.5 million characters of
#   3,000 simplified files 8 changed: 昇, 噁, 濛, 諮, two fish names), and 乾/於/後 alone
#   do not trigger it.
#   Text that GB2312 encodes whole (nearly every simplified passage, every simplified query)
#   is returned at once, without loading OpenCC.
# * Length is preserved: a conversion that changes a text's length (a phrase mapped to a
#   longer or shorter one; none is known in hk2s) is redone character by character.
_CLAUSE = re.compile(r"[^\s,.;:!?。，、；：！？()（）“”‘’《》〈〉「」『』\[\]【】]+")
_CJK_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


@lru_cache(maxsize=1)
def _converter():
    import opencc       # imported on first use: ASCII-only text never loads it
    return opencc.OpenCC("hk2s.json")


@lru_cache(maxsize=1)
def _traditional_only():
    """A pattern of the characters only traditional writing uses (about 4,200; built once
    per process from the converter itself, in some 20 ms)."""
    chars = [chr(i) for start, end in _CJK_RANGES for i in range(start, end)]
    folded = _converter().convert("\n".join(chars)).split("\n")
    if len(folded) != len(chars):       # cannot happen with a line-preserving converter
        folded = [_converter().convert(ch) for ch in chars]
    return re.compile("[" + "".join(a for a, b in zip(chars, folded) if a != b and not _in_gb2312(a)) + "]")


def _in_gb2312(text: str) -> bool:
    try:
        text.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def fold_traditional(text: str) -> str:
    """``text`` with its traditional Chinese clauses in simplified characters, same length;
    simplified text comes back unchanged. 行政復議 → 行政复议, 著作權 → 著作权."""
    if not text or text.isascii() or _in_gb2312(text):
        return text         # all in the simplified character set: nothing to fold, OpenCC not loaded
    traditional = _traditional_only()
    if not traditional.search(text):
        return text
    try:
        folded = _converter().convert(text)
    except UnicodeEncodeError:          # a lone surrogate (a query from undecodable argv bytes)
        folded = ""
    if len(folded) != len(text):
        folded = "".join(_fold_char(ch) for ch in text)
    out, pos = [], 0
    for m in _CLAUSE.finditer(text):
        if traditional.search(m.group()):
            out += [text[pos:m.start()], folded[m.start():m.end()]]
            pos = m.end()
    out.append(text[pos:])
    return "".join(out)


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    try:
        folded = _converter().convert(ch)
    except UnicodeEncodeError:
        return ch
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
