"""searchlib: full-text search for Chinese policy documents.

Public API (stable)::

    import searchlib
    idx = searchlib.build_index(["corpus"], "index")      # or searchlib.open_index("index")
    for hit in idx.search("两法衔接", region="北仑", limit=5).hits:
        print(hit.title, hit.heading_path, hit.snippet)

Names are imported lazily so that ``import searchlib`` stays cheap.
"""

__version__ = "0.2.0"

_API = ("open_index", "build_index", "build", "update", "add", "remove", "optimize", "SearchIndex")
_MODELS = ("Hit", "SearchResult", "BuildReport", "Figure", "FigureRow", "FigureTable")
_ERRORS = ("SearchlibError", "IndexNotFoundError", "IndexVersionError", "IndexDamagedError", "IndexLockedError",
           "QuerySyntaxError", "QueryTimeoutError", "CorpusError", "IngestError", "DocumentNotFoundError", "SynonymFileError")

__all__ = [*_API, *_MODELS, *_ERRORS]


def __getattr__(name):
    if name in _API:
        from . import api
        return getattr(api, name)
    if name in _MODELS:
        from . import models
        return getattr(models, name)
    if name in _ERRORS:
        from . import errors
        return getattr(errors, name)
    raise AttributeError(name)
