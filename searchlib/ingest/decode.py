"""Byte decoding of corpus files: ``decode_text`` turns raw bytes into text, trying a
byte-order mark (UTF-8/16/32), UTF-16 without a BOM (NUL bytes in the places UTF-16 puts them,
and text that reads as text), strict UTF-8, the charset a page declares (every GB2312/GBK
label is read as GB18030, its superset, every Big5 label as Big5-HKSCS; single-byte Western
labels are tried last, UTF-16/32 labels without a BOM ignored), then GB18030 or Big5-HKSCS,
then a lenient UTF-8/GB18030/Big5-HKSCS decode that needs almost no replacement characters.

GB18030 decodes nearly any byte string, Big5 files included (as mojibake): when the bytes
are strict Big5-HKSCS as well, charset-normalizer (a maintained detector: character-level
"chaos" and language coherence) chooses between the two. A guess that is close, a text that
reads as mess, and a lenient decode are reported in ``Decoded.warning`` (the file is still
indexed). Binary files (NUL bytes, many control characters) and undecodable ones are
refused with ``IngestError``. ``decode_bytes`` is ``decode_text`` without the warning.
"""
from __future__ import annotations

import codecs
import re
from typing import NamedTuple, Optional

from ..errors import IngestError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),   # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)
# Labels of the GB family, all decoded with the gb18030 codec (a superset: pages labelled
# gb2312 are GBK in practice). The value is the name reported for the label.
_GB_LABELS = {
    "gb2312": "gb2312", "csgb2312": "gb2312", "euc-cn": "gb2312", "euccn": "gb2312",
    "gb_2312-80": "gb2312", "iso-ir-58": "gb2312", "chinese": "gb2312", "hz-gb-2312": "gb2312",
    "gbk": "gbk", "x-gbk": "gbk", "cp936": "gbk", "ms936": "gbk", "windows-936": "gbk",
    "gb18030": "gb18030",
}
_BIG5_LABELS = {"big5", "big5-hkscs", "big5hkscs", "cn-big5", "csbig5", "x-x-big5", "cp950", "ms950",
                "windows-950", "x-big5"}
# Single-byte Western labels decode anything; on Chinese sites they are usually wrong, so
# GB18030 is tried before them.
_WEAK_LABELS = {"iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "ascii", "us-ascii"}
# A UTF-16/32 label on bytes without a BOM and without NULs is simply wrong: ignored.
_WIDE_LABEL_PREFIXES = ("utf-16", "utf16", "utf-32", "utf32", "ucs", "unicode")
_SNIFF_BYTES = 8192
_LETTER = re.compile(r"[^\W\d_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MAX_CONTROL_SHARE = 0.02
_MAX_REPLACEMENT_SHARE = 0.005
_MIN_WIDE_TEXT_SHARE = 0.9     # UTF-16 without BOM: share of characters that are ordinary text
_CLOSE_CHAOS = 0.05            # GB18030 vs Big5: a runner-up this close is a low-confidence guess
_MESSY_CHAOS = 0.2             # chosen decoding with this much "chaos": low confidence
_DETECT_BYTES = 200_000        # the detector reads at most this much of a file


class Decoded(NamedTuple):
    text: str
    encoding: str
    warning: Optional[str] = None      # e.g. "encoding guessed as big5hkscs with low confidence"


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """``(text, encoding_name)`` of ``data``: ``decode_text`` without its warning."""
    decoded = decode_text(data, declared)
    return decoded.text, decoded.encoding


def decode_text(data: bytes, declared: str | None = None) -> Decoded:
    """Decode ``data``.

    Order: byte-order mark, UTF-16 without BOM, strict UTF-8, the ``declared`` charset,
    GB18030 or Big5-HKSCS (charset-normalizer decides when both fit), then a lenient
    UTF-8/GB18030/Big5-HKSCS decode if it needs almost no replacement characters.

    The reported name is ``"utf-8"`` (with or without BOM), ``"utf-16"``/``"utf-32"`` for a
    BOM, ``"utf-16-le"``/``"utf-16-be"`` without one, the declared label for the GB family
    as written (``"gb2312"``, ``"gbk"``, ``"gb18030"``; aliases such as ``x-gbk``/``cp936``
    report ``"gbk"``) although the bytes are always decoded as GB18030, ``"gb18030"`` when GB
    bytes were recognised without a label, ``"big5hkscs"`` for Big5 (labelled or not), and
    the codec name for any other declared charset.

    Raises ``IngestError("binary file")`` for NUL bytes or many control characters and
    ``IngestError("cannot decode text (not UTF-8, GB18030 or Big5)")`` when nothing fits.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(_reject_binary(data.decode(codec)), name)
            except UnicodeDecodeError:
                raise IngestError(f"cannot decode text (invalid {name} after byte-order mark)") from None
    if b"\x00" in data[:_SNIFF_BYTES]:
        wide = _utf16_without_bom(data)
        if wide is None:
            raise IngestError("binary file")
        return wide
    for codec, name in _candidate_codecs(declared):
        try:
            return Decoded(_reject_binary(data.decode(codec)), name)
        except (UnicodeDecodeError, LookupError):
            continue
    label = (declared or "").strip().lower()
    guessed = _gb_or_big5(data)
    if guessed is not None:
        return guessed
    if label in _WEAK_LABELS:
        try:
            return Decoded(_reject_binary(data.decode(label)), codecs.lookup(label).name)
        except UnicodeDecodeError:
            pass
    return _lenient_decode(data)


def _candidate_codecs(declared: str | None) -> list[tuple[str, str]]:
    """The (codec, reported name) pairs to try strictly, in order, before guessing."""
    label = (declared or "").strip().lower()
    candidates = [("utf-8", "utf-8")]
    if label in _GB_LABELS:
        candidates.append(("gb18030", _GB_LABELS[label]))
    elif label in _BIG5_LABELS:
        candidates.append(("big5hkscs", "big5hkscs"))
    elif label and label not in _WEAK_LABELS and not label.startswith(_WIDE_LABEL_PREFIXES):
        try:
            candidates.append((label, codecs.lookup(label).name))
        except LookupError:
            pass
    return candidates


def _strict(data: bytes, codec: str) -> Optional[str]:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _gb_or_big5(data: bytes) -> Optional[Decoded]:
    """GB18030 (first, as before) or Big5-HKSCS, whichever the bytes strictly are; when they
    are both, charset-normalizer's choice, with a warning when its choice is close."""
    gb = _strict(data, "gb18030")
    big5 = _strict(data, "big5hkscs")
    if gb is None and big5 is None:
        return None
    if big5 is None:
        return Decoded(_reject_binary(gb), "gb18030")
    if gb is None:
        return Decoded(_reject_binary(big5), "big5hkscs")
    from charset_normalizer import from_bytes       # imported when a file needs it
    matches = sorted(from_bytes(data[:_DETECT_BYTES], cp_isolation=["gb18030", "big5hkscs"]),
                     key=lambda m: (m.chaos, -m.coherence))
    if not matches:
        return Decoded(_reject_binary(gb), "gb18030", "encoding guessed as gb18030 with low confidence "
                                                      "(neither GB18030 nor Big5 reads as text)")
    best = matches[0]
    text, name = (big5, "big5hkscs") if best.encoding.startswith("big5") else (gb, "gb18030")
    warning = None
    if len(matches) > 1 and matches[1].chaos - best.chaos < _CLOSE_CHAOS:
        other = "big5hkscs" if name == "gb18030" else "gb18030"
        warning = f"encoding guessed as {name} with low confidence ({other} reads almost as well)"
    elif best.chaos > _MESSY_CHAOS:
        warning = f"encoding guessed as {name} with low confidence (the text reads as mess)"
    return Decoded(_reject_binary(text), name, warning)


def _utf16_without_bom(data: bytes) -> Optional[Decoded]:
    """UTF-16 LE or BE text without a byte-order mark, or None. NUL bytes in a text file
    are the high bytes of ASCII characters (line breaks, digits) in UTF-16; the side they
    fall on gives the byte order, and the decoded text must read as text."""
    if len(data) % 2:
        return None
    sample = data[:_SNIFF_BYTES * 2]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    codec = "utf-16-le" if odd > even else "utf-16-be"
    text = _strict(data, codec)
    if text is None:
        return None
    head = text[:_SNIFF_BYTES]
    ordinary = sum(1 for ch in head if ch.isprintable() or ch in "\n\r\t")
    if not head or ordinary / len(head) < _MIN_WIDE_TEXT_SHARE or not _LETTER.search(head):
        return None
    # the letters of a report are Chinese or Latin: bytes \x00\xff… read as U+00FF (ÿÿÿ…) or
    # other letters of U+0080-U+02FF only are a binary file, not text
    letters = _LETTER.findall(head)
    if sum(1 for ch in letters if ch.isascii() or ch >= "\u3000") < len(letters) / 2:
        return None
    return Decoded(_reject_binary(text), codec)


def _lenient_decode(data: bytes) -> Decoded:
    """UTF-8, then GB18030, then Big5-HKSCS, with a few bad bytes replaced (reported).
    UTF-8 goes first: GB18030 reads most UTF-8 byte pairs as (wrong) characters, the
    reverse is not true."""
    for codec in ("utf-8", "gb18030", "big5hkscs"):
        text = data.decode(codec, errors="replace")
        bad = text.count("\ufffd")
        if bad < _MAX_REPLACEMENT_SHARE * len(text):
            return Decoded(_reject_binary(text), codec,
                           f"decoded as {codec} with low confidence ({bad} undecodable byte sequences replaced)")
    raise IngestError("cannot decode text (not UTF-8, GB18030 or Big5)")


def _reject_binary(text: str) -> str:
    sample = text[:_SNIFF_BYTES]
    if sample and len(_CONTROL.findall(sample)) / len(sample) > _MAX_CONTROL_SHARE:
        raise IngestError("binary file")
    return text
