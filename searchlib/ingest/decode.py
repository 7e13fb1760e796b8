"""Byte decoding of corpus files: ``decode_bytes`` turns raw bytes into text, trying a
byte-order mark (UTF-8/16/32), strict UTF-8, the charset a page declares (every GB2312/GBK
label is read as GB18030, its superset; single-byte Western labels are tried last, UTF-16/32
labels without a BOM ignored), strict GB18030, then a lenient UTF-8/GB18030 decode that needs
almost no replacement characters. Binary files (NUL bytes, many control characters) and
undecodable ones are refused with ``IngestError``.
"""
from __future__ import annotations

import codecs
import re

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
# Single-byte Western labels decode anything; on Chinese sites they are usually wrong, so
# GB18030 is tried before them.
_WEAK_LABELS = {"iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "ascii", "us-ascii"}
# A UTF-16/32 label on bytes without a BOM and without NULs is simply wrong: ignored.
_WIDE_LABEL_PREFIXES = ("utf-16", "utf16", "utf-32", "utf32", "ucs", "unicode")
_SNIFF_BYTES = 8192
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MAX_CONTROL_SHARE = 0.02
_MAX_REPLACEMENT_SHARE = 0.005


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding_name)``.

    Order: byte-order mark, strict UTF-8, the ``declared`` charset, strict GB18030, then a
    lenient UTF-8/GB18030 decode if it needs almost no replacement characters.

    The reported name is ``"utf-8"`` (with or without BOM), ``"utf-16"``/``"utf-32"`` for a
    BOM, the declared label for the GB family as written (``"gb2312"``, ``"gbk"``,
    ``"gb18030"``; aliases such as ``x-gbk``/``cp936`` report ``"gbk"``) although the bytes are
    always decoded as GB18030, ``"gb18030"`` when GB bytes were recognised without a label,
    and the codec name for any other declared charset.

    Raises ``IngestError("binary file")`` for NUL bytes or many control characters and
    ``IngestError("cannot decode text (not UTF-8 or GB18030)")`` when nothing fits.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return _reject_binary(data.decode(codec)), name
            except UnicodeDecodeError:
                raise IngestError(f"cannot decode text (invalid {name} after byte-order mark)") from None
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise IngestError("binary file")
    for codec, name in _candidate_codecs(declared):
        try:
            return _reject_binary(data.decode(codec)), name
        except (UnicodeDecodeError, LookupError):
            continue
    return _lenient_decode(data)


def _candidate_codecs(declared: str | None) -> list[tuple[str, str]]:
    """The (codec, reported name) pairs to try strictly, in order."""
    label = (declared or "").strip().lower()
    candidates = [("utf-8", "utf-8")]
    if label in _GB_LABELS:
        candidates.append(("gb18030", _GB_LABELS[label]))
    elif label and label not in _WEAK_LABELS and not label.startswith(_WIDE_LABEL_PREFIXES):
        try:
            candidates.append((label, codecs.lookup(label).name))
        except LookupError:
            pass
    candidates.append(("gb18030", "gb18030"))
    if label in _WEAK_LABELS:
        candidates.append((label, codecs.lookup(label).name))
    return candidates


def _lenient_decode(data: bytes) -> tuple[str, str]:
    """UTF-8, then GB18030, with a few bad bytes replaced. UTF-8 goes first: GB18030 reads
    most UTF-8 byte pairs as (wrong) characters, the reverse is not true."""
    for codec in ("utf-8", "gb18030"):
        text = data.decode(codec, errors="replace")
        if text.count("\ufffd") < _MAX_REPLACEMENT_SHARE * len(text):
            return _reject_binary(text), codec
    raise IngestError("cannot decode text (not UTF-8 or GB18030)")


def _reject_binary(text: str) -> str:
    sample = text[:_SNIFF_BYTES]
    if sample and len(_CONTROL.findall(sample)) / len(sample) > _MAX_CONTROL_SHARE:
        raise IngestError("binary file")
    return text
