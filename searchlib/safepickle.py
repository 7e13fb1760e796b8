"""No code from data: Whoosh's pickles read with an allow-list.

Whoosh stores an index's table of contents (the schema and the segment list) and each
report's stored fields as Python pickles, and a pickle can name any importable callable:
a crafted index directory would run code the moment it is opened. ``install`` replaces the
unpickling functions Whoosh's modules use with ``SafeUnpickler``, which resolves only the
classes a searchlib index contains (Whoosh's schema, field, format, tokenizer and codec
classes, searchlib's tokenizer, and a few builtins) and refuses everything else with
``UnsafeIndexError`` before anything is called. Writing is unchanged.

Called once, when ``searchlib.storage`` (which every path into an index goes through) is
imported. What an index directory may contain, and what opening one can and cannot do, is in
the README's "Security" section.
"""
from __future__ import annotations

import contextlib
import io
import pickle

# module → the names in it an index's pickles may use
ALLOWED = {
    "builtins": {"int", "float", "complex", "bool", "str", "bytes", "bytearray", "list", "tuple", "dict", "set",
                 "frozenset", "slice", "range"},
    "collections": {"defaultdict", "OrderedDict"},
    "_codecs": {"encode"},                 # bytes in protocol-2 pickles
    "re": {"_compile"},                    # a RegexTokenizer's pattern
    "whoosh.fields": {"Schema", "ID", "IDLIST", "KEYWORD", "STORED", "TEXT", "BOOLEAN", "NUMERIC", "DATETIME",
                      "NGRAM", "NGRAMWORDS", "COLUMN"},
    "whoosh.formats": {"Existence", "Frequency", "Positions", "Characters", "PositionBoosts", "CharacterBoosts"},
    "whoosh.analysis.tokenizers": {"IDTokenizer", "RegexTokenizer", "SpaceSeparatedTokenizer",
                                   "CommaSeparatedTokenizer"},
    "whoosh.analysis.filters": {"LowercaseFilter", "StopFilter", "MultiFilter"},
    "whoosh.analysis.analyzers": {"CompositeAnalyzer"},
    "whoosh.codec.whoosh3": {"W3Codec", "W3Segment", "W3TermInfo", "W3LeafMatcher"},
    "whoosh.codec.base": {"FileTermInfo", "Segment"},
    "whoosh.columns": {"VarBytesColumn", "RefBytesColumn", "NumericColumn", "BitColumn", "PickleColumn"},
    "searchlib.analysis": {"PolicyTokenizer", "PolicyAnalyzer"},
}


class UnsafeIndexError(pickle.UnpicklingError):
    """A pickle in an index names something a searchlib index never holds."""


class SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if name in ALLOWED.get(module, ()) or (module, name) in _TRUSTED:
            return super().find_class(module, name)
        raise UnsafeIndexError(f"not a searchlib index (unexpected object {module}.{name} in its files)")


def loads(data: bytes, *args, **kwargs):
    return SafeUnpickler(io.BytesIO(data)).load()


def load(file, *args, **kwargs):
    return SafeUnpickler(file).load()


class _PickleModule:
    """What ``pickle`` is to a Whoosh module that uses ``pickle.loads``: reading is
    restricted, writing is pickle's own."""
    loads = staticmethod(loads)
    load = staticmethod(load)
    dumps = staticmethod(pickle.dumps)
    dump = staticmethod(pickle.dump)
    HIGHEST_PROTOCOL = pickle.HIGHEST_PROTOCOL
    UnpicklingError = pickle.UnpicklingError


_INSTALLED = False
_TRUSTED: set = set()


@contextlib.contextmanager
def trusting(*classes: tuple[str, str]):
    """Within the block, also unpickle ``classes`` ((module, name) pairs): for an index this
    process made itself with other analyzers (scripts/eval.py's naive peer), never for one
    that came from elsewhere."""
    added = set(classes) - _TRUSTED
    _TRUSTED.update(added)
    try:
        yield
    finally:
        _TRUSTED.difference_update(added)


def _refuse_legacy_toc(stream, gen, schema, version):
    raise UnsafeIndexError(f"not a searchlib index (a table of contents in Whoosh's old format {version})")


def install() -> None:
    """Make every Whoosh module that reads pickles read them through ``SafeUnpickler``.

    Whoosh's modules bind ``loads``/``load`` when they are imported (``from whoosh.compat
    import loads``), so each one that reads an index is patched by name, and any other
    Whoosh module already imported that holds pickle's own functions too (stored fields are
    a ``PickleColumn`` in ``whoosh.columns``; posting values are decoded in
    ``whoosh.formats``). The legacy table-of-contents loader (format -110, whose unpickler
    imports any name) is replaced: such a file is refused, never unpickled."""
    global _INSTALLED
    if _INSTALLED:
        return
    import sys

    import whoosh.codec.whoosh3 as whoosh3
    import whoosh.columns as columns
    import whoosh.compat as compat
    import whoosh.filedb.structfile as structfile
    import whoosh.formats as formats
    import whoosh.index as windex
    import whoosh.legacy as legacy
    compat.loads, compat.load = loads, load              # modules imported later
    whoosh3.loads = loads                                # inlined postings, the segment's column info
    columns.loads = loads                                # stored fields (PickleColumn)
    formats.loads = loads                                # posting values (characters, boosts)
    structfile.load_pickle = load                        # read_pickle: TOC segments, block info, compound files
    windex.pickle = _PickleModule                        # the TOC's schema
    for version in legacy.toc_loaders:                   # the -110 TOC: an unrestricted unpickler
        legacy.toc_loaders[version] = _refuse_legacy_toc
    try:
        import whoosh.filedb.fileindex as fileindex      # the legacy index class, when present
        fileindex.pickle = _PickleModule
    except ImportError:
        pass
    for name, module in list(sys.modules.items()):       # any other reader already imported
        if name.startswith("whoosh.") and name != "whoosh.externalsort" and module is not None:
            for attr in ("loads", "load", "load_pickle", "depickle"):
                if getattr(module, attr, None) is pickle.loads:
                    setattr(module, attr, loads)
                elif getattr(module, attr, None) is pickle.load:
                    setattr(module, attr, load)
    _INSTALLED = True
