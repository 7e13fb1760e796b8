"""searchlib: full-text search for Chinese policy documents.

Public API (stable)::

    import searchlib
    idx = searchlib.build_index(["corpus"], "index")      # or searchlib.open_index("index")
    for hit in idx.search("两法衔接", region="北仑", limit=5):
        print(hit.title, hit.heading_path, hit.snippet)

Everything here is imported lazily so that ``import searchlib`` stays cheap.
"""

__version__ = "0.1.0"

__all__ = [
    "open_index", "build_index", "build", "update", "add", "remove", "SearchIndex", "Hit", "SearchResult", "BuildReport",
    "SearchlibError", "IndexNotFoundError", "IndexVersionError", "IndexLockedError",
    "QuerySyntaxError", "CorpusError",
]


def __getattr__(name):
    if name in ("open_index", "build_index", "build", "update", "add", "remove", "SearchIndex"):
        from . import api
        return getattr(api, name)
    if name in ("Hit", "SearchResult", "BuildReport"):
        from . import models
        return getattr(models, name)
    if name in __all__:
        from . import errors
        return getattr(errors, name)
    raise AttributeError(name)
