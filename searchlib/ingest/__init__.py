"""Ingestion: find corpus files, decode them and turn each into a ``SourceDocument``.

Being split into modules; for now everything lives in ``html.py`` and is re-exported here.
"""
from .html import (HTML_SUFFIXES, SUFFIXES, ErrorCallback, clean_text, decode_bytes, discover, doc_id_for,
                   extract_html, read_document)

__all__ = ["HTML_SUFFIXES", "SUFFIXES", "ErrorCallback", "clean_text", "decode_bytes", "discover", "doc_id_for",
           "extract_html", "read_document"]
