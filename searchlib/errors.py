"""The one error hierarchy. Only ``cli.py`` turns these into exit codes and messages."""


class SearchlibError(Exception):
    """Base class of every error searchlib raises on purpose."""


class IndexNotFoundError(SearchlibError):
    """There is no index at the given location (run ``searchlib build`` first)."""


class IndexVersionError(SearchlibError):
    """The index was built by an incompatible version, analyzer or dictionary; rebuild it."""


class IndexDamagedError(SearchlibError):
    """Files of the index are missing, truncated or unreadable; rebuild it."""


class IndexLockedError(SearchlibError):
    """Another process is writing to the index."""


class QuerySyntaxError(SearchlibError):
    """The query could not be parsed."""


class QueryTimeoutError(QuerySyntaxError):
    """A query needed more search time than its budget allows and nothing sensible could
    be returned (narrow it: more words, a filter, a phrase in quotes)."""


class CorpusError(SearchlibError):
    """A corpus path does not exist or cannot be read."""


class IngestError(SearchlibError):
    """One input file could not be turned into a document (the message says why)."""


class DocumentNotFoundError(SearchlibError):
    """No document with that doc_id in the index."""


class SynonymFileError(SearchlibError):
    """A synonyms file has a line that cannot be parsed."""
