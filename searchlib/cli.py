"""Command-line interface: a thin layer over ``searchlib.api``.

Every command maps to an API call with the same parameters; this module only
parses options, renders output, and turns ``SearchlibError`` into one line on
stderr and a non-zero exit code.
"""
from __future__ import annotations

import json
import os
import sys
import unicodedata
from pathlib import Path

import click

from . import api
from .query import Filters
from .serialize import (DOC_COLUMNS, FIGURE_COLUMNS, HIT_COLUMNS, csv_text, doc_row, figure_row, hit_row, jsonl_text,
                        number_text, read_request, result_dict)
from .storage import check_index

from .errors import (DocumentNotFoundError, IndexDamagedError, IndexLockedError, IndexNotFoundError,
                     IndexVersionError, SearchlibError)

# exit statuses, as grep and ripgrep use them
EXIT_NOTHING = 1      # a search that found nothing
EXIT_ERROR = 2        # a usage or input error: bad option, malformed query, no/stale/damaged/locked index
EXIT_SKIPPED = 3      # build/update finished but some files were skipped


REBUILD = "rebuild it with `searchlib build CORPUS` (or `searchlib update --rebuild CORPUS`)"
# what a user can do about an error, in commands: the library's messages give the reason only
HINTS = {
    IndexNotFoundError: "run `searchlib build CORPUS` first, or pass --index DIR",
    IndexVersionError: REBUILD,
    IndexDamagedError: REBUILD,
    IndexLockedError: "",
    DocumentNotFoundError: "doc_ids are shown under each search hit and in `searchlib search --json`",
}


def error_message(e: SearchlibError) -> str:
    """One line: the reason, and the command that helps when there is one."""
    hint = next((h for cls, h in HINTS.items() if isinstance(e, cls)), "")
    if not hint:
        return str(e)
    reason = getattr(e, "reason", None)
    return f"{reason}: {hint}" if reason else f"{e} ({hint})"


class SearchlibGroup(click.Group):
    def main(self, *args, **kwargs):
        """click's own errors (a bad option, a missing argument) as one ``Error:`` line too."""
        kwargs.pop("standalone_mode", None)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.ClickException as e:
            click.echo(f"Error: {e.format_message()}", err=True)
            sys.exit(EXIT_ERROR if isinstance(e, click.UsageError) else e.exit_code)
        except click.exceptions.Abort:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SearchlibError as e:
            click.echo(f"Error: {error_message(e)}", err=True)
            ctx.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(0)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as e:   # a bug: one line for the user, the traceback on request
            if os.environ.get("SEARCHLIB_DEBUG"):
                raise
            click.echo(f"Error: internal error ({type(e).__name__}: {e}); "
                       "set SEARCHLIB_DEBUG=1 to see the traceback", err=True)
            ctx.exit(EXIT_ERROR)


@click.group(cls=SearchlibGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--index", "index_dir", envvar="SEARCHLIB_INDEX", default="index", show_default=True,
              type=click.Path(file_okay=False), help="Index directory (or set SEARCHLIB_INDEX).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour and bold in the output: auto (on a terminal, unless NO_COLOR is set), always, never.")
@click.version_option(package_name="searchlib")
@click.pass_context
def main(ctx, index_dir, color):
    """Full-text search for Chinese policy documents (法治政府建设年度报告, 工作要点, ...)."""
    ctx.obj = {"index": index_dir}
    if color == "always":
        ctx.color = True
    elif color == "never" or os.environ.get("NO_COLOR"):
        ctx.color = False
    # auto: click keeps styles on a terminal and strips them elsewhere


def _open(ctx, synonyms_file=None):
    return api.open_index(ctx.obj["index"], synonyms=synonyms_file)


def _progress_bar(label):
    """A click progress bar driven by (done, total) callbacks; silent when not a terminal."""
    state = {}

    def update(done, total):
        if not sys.stderr.isatty():
            return
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)
    return update


def _print_report(report, verb="Indexed"):
    if verb == "Updated":
        click.echo(f"Updated the index in {report.seconds:.1f} s: {report.added} added, {report.updated} updated, "
                   f"{report.removed} removed, {report.unchanged} unchanged ({report.passages} passages indexed); "
                   f"{report.documents} documents in the index")
    else:
        click.echo(f"{verb} {report.documents} documents, {report.passages} passages in {report.seconds:.1f} s")
    for path, dup_of in report.duplicates:
        click.echo(f"  duplicate: {path} has the same content as {dup_of}; indexed once")
    for path, warning in report.warnings:
        click.echo(f"  warning: {path}: {warning}", err=True)
    _print_skipped(report.skipped)
    formats = report.by_format()
    if report.skipped or len(formats) > 1:
        click.echo("By format: " + "; ".join(
            f"{fmt}: " + ", ".join(f"{n} {what}" for what, n in counts.items() if n)
            for fmt, counts in formats.items()))


def _print_skipped(skipped):
    """Each skipped file with its reason; files of a type searchlib does not read at all
    (images, spreadsheets ...) are counted by suffix instead of listed one by one."""
    other: dict[str, int] = {}
    for s in skipped:
        if s.reason.startswith("unsupported format (") and s.reason.endswith(")"):
            suffix = s.reason[len("unsupported format ("):-1]
            other[suffix] = other.get(suffix, 0) + 1
        else:
            click.echo(f"  skipped: {s.path}: {s.reason}", err=True)
    if other:
        counts = ", ".join(f"{n} {suffix}" for suffix, n in sorted(other.items(), key=lambda kv: (-kv[1], kv[0])))
        click.echo(f"  skipped: {counts} file(s): unsupported format (searchlib reads .txt, .html, .pdf, .docx, "
                   ".doc/.wps/.rtf/.odt with LibreOffice)",
                   err=True)
    if skipped:
        click.echo(f"{len(skipped)} file(s) skipped", err=True)


RAY_OPTION = click.option(
    "--ray", "ray_address", is_flag=False, flag_value="local", default=None, metavar="[ADDRESS]",
    help="Read and analyse the files as Ray tasks: alone, on a Ray instance started for the job; "
         "with auto or ray://HOST:10001, on that cluster (pip install 'searchlib[cluster]').")


@main.command()
@click.argument("corpus", nargs=-1, type=click.Path())
@click.option("--procs", type=int, default=None, help="Worker processes (default: up to 2).")
@click.option("--follow-links", is_flag=True, help="Also index files that symlinks lead to outside the corpus.")
@click.option("--shards", type=click.IntRange(1, 1024), default=None,
              help="Build a sharded index of N shards (a directory per shard; searched as one index).")
@click.option("--shard", type=click.IntRange(0, 1023), default=None,
              help="Rebuild only shard K of an existing sharded index (the others stay as they are).")
@RAY_OPTION
@click.pass_context
def build(ctx, corpus, procs, follow_links, shards, shard, ray_address):
    """Build the index from CORPUS paths (default: ./corpus), replacing any old index."""
    report = api.build(list(corpus) or ["corpus"], ctx.obj["index"], progress=_progress_bar("Indexing"),
                       procs=procs, follow_links=follow_links, shards=shards, shard=shard, ray=ray_address)
    if shard is not None:
        click.echo(f"Shard {shard}:")
    _print_report(report)
    if report.skipped:
        ctx.exit(EXIT_SKIPPED)


@main.command()
@click.argument("corpus", nargs=-1, type=click.Path())
@click.option("--keep-missing", is_flag=True, help="Do not remove documents whose files are gone.")
@click.option("--rebuild", is_flag=True,
              help="If the index is stale (built with another analyzer, user dictionary or schema) "
                   "or missing, rebuild it from CORPUS instead of failing.")
@click.option("--procs", type=int, default=None, help="Worker processes (default: up to 2).")
@click.option("--follow-links", is_flag=True, help="Also index files that symlinks lead to outside the corpus.")
@RAY_OPTION
@click.pass_context
def update(ctx, corpus, keep_missing, rebuild, procs, follow_links, ray_address):
    """Index new and changed files under CORPUS (default: ./corpus); drop deleted ones.

    Files are compared with the index by path and content hash: unchanged files are
    hashed, never re-indexed. Exit status 3 when some files were skipped (each is listed).
    """
    paths = list(corpus) or ["corpus"]
    rebuilding = False
    if rebuild:
        try:
            check_index(Path(ctx.obj["index"]))
        except (IndexNotFoundError, IndexVersionError, IndexDamagedError) as e:
            rebuilding = True
            click.echo(f"{getattr(e, 'reason', e)}: rebuilding it from {' '.join(paths)}")
    report = api.update(paths, ctx.obj["index"], progress=_progress_bar("Rebuilding" if rebuilding else "Updating"),
                        procs=procs, remove_missing=not keep_missing, rebuild=rebuild, follow_links=follow_links,
                        ray=ray_address)
    _print_report(report, verb="Indexed" if rebuilding else "Updated")
    if report.skipped:
        ctx.exit(EXIT_SKIPPED)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--root", type=click.Path(file_okay=False), help="Make doc_ids relative to this folder.")
@click.pass_context
def add(ctx, files, root):
    """Index single report FILES (new or changed).

    A file already in the index (same path) keeps its doc_id; a new one gets its path
    relative to --root (default: its own folder), e.g. 2019/report.txt with --root corpus.
    """
    report = api.add(list(files), ctx.obj["index"], root=root)
    _print_report(report, verb="Updated")
    if report.skipped:
        ctx.exit(EXIT_SKIPPED)


@main.command()
@click.argument("doc_ids", nargs=-1, required=True)
@click.pass_context
def remove(ctx, doc_ids):
    """Remove documents by DOC_ID (as shown by `search --json` or `show`).

    A document whose file is still in the corpus comes back at the next `update`.
    """
    removed, unknown = api.remove(doc_ids, ctx.obj["index"])
    for d in removed:
        click.echo(f"removed {_shown_id(d)}")
    if unknown:
        raise SearchlibError(f"not in the index: {', '.join(map(_shown_id, unknown))}")


def _shown_id(doc_id: str) -> str:
    """A doc_id on one line: quoted with escapes when it holds a line break or a tab."""
    return doc_id if doc_id.isprintable() else repr(doc_id)


@main.command()
@click.pass_context
def optimize(ctx):
    """Merge the index's segments into one (after many updates; never required)."""
    api.optimize(ctx.obj["index"])
    click.echo(f"Optimized {ctx.obj['index']}: one segment")


@main.command()
@click.argument("corpus", nargs=-1, type=click.Path())
@click.option("--repair", is_flag=True,
              help="When the index is damaged, rebuild it from CORPUS (default: ./corpus).")
@click.pass_context
def check(ctx, corpus, repair):
    """Verify the index: it opens, and every file has the size and checksum its commit recorded.

    Exit status 0 when it is intact (or repaired), 2 when it is damaged (each damaged file
    is listed), as for any command on a damaged index.
    """
    index = ctx.obj["index"]
    report = api.check(index)
    if report.intact:
        what = (f"{report.files} files, {report.bytes / 1e6:.1f} MB match their checksums" if report.recorded
                else "it opens; it has no checksum record (built before searchlib recorded them)")
        click.echo(f"Index at {index} is intact: {what}")
        return
    for name, what in report.problems:
        click.echo(f"  {name}: {what}", err=True)
    if not repair:
        e = IndexDamagedError(f"index at {index} is damaged ({len(report.problems)} problem(s) listed above)")
        e.reason = f"index at {index} is damaged ({len(report.problems)} problem(s) listed above)"
        raise e
    paths = list(corpus) or ["corpus"]
    click.echo(f"Index at {index} is damaged: rebuilding it from {' '.join(paths)}")
    from .shards import is_sharded, read_layout
    shards = read_layout(Path(index)).count if is_sharded(Path(index)) else None   # as many shards as it had
    built = api.build(paths, index, progress=_progress_bar("Rebuilding"), shards=shards)
    _print_report(built, verb="Indexed")
    if built.skipped:
        ctx.exit(EXIT_SKIPPED)


def _one_or_more(ctx, param, values):
    """A repeatable filter option: None, its one value, or the list of its values (any of them)."""
    values = list(dict.fromkeys(values or ()))
    return None if not values else values[0] if len(values) == 1 else values


def _multi(*names, **kw):
    """A filter option that may be given several times (OR within it, AND across filters)."""
    return click.option(*names, multiple=True, callback=_one_or_more, **kw)


FILTER_OPTIONS = [
    _multi("--region", help="Region at any level: 浙江, 宁波, 北仑, or a GB/T 2260 code. Repeat it for any of "
                            "several (--region 浙江 --region 江苏)."),
    _multi("--year", type=int, help="Year the document covers (repeatable: any of them)."),
    _multi("--type", "type_", help="Document type: annual_report, work_plan, notice, ... (repeatable)."),
    _multi("--kind", help="Section kind: preamble, achievements, problems, plans, requirements, other "
                          "(repeatable)."),
    click.option("--since", help="Published on or after (YYYY[-MM[-DD]])."),
    click.option("--until", help="Published on or before (YYYY[-MM[-DD]])."),
    click.option("--has-figures", is_flag=True, help="Only passages that state figures."),
    _multi("--level", help="Laws and regulations of this 效力级别: 法律, 行政法规, 部门规章, 地方性法规, "
                           "地方政府规章, 司法解释, 宪法 (repeatable)."),
    _multi("--issuer", help="Laws and regulations adopted by: 全国人民代表大会常务委员会, 国务院, ... (repeatable)."),
]


FILTER_NAMES = ("region", "year", "type", "kind", "since", "until", "has_figures", "level", "issuer")

OUTPUT_FORMATS = {
    "json": "One JSON object (search: the result set; docs: a list).",
    "jsonl": "One JSON object per line: a hit (search) or a document (docs).",
    "csv": "CSV with a header row: a hit or a document per row.",
}


def output_options(f):
    """--json / --jsonl / --csv, one choice stored as ``fmt`` (None: for people)."""
    for name in reversed(OUTPUT_FORMATS):
        f = click.option(f"--{name}", "fmt", flag_value=name, help=OUTPUT_FORMATS[name])(f)
    return f


def _emit_rows(rows: list[dict], fmt: str, columns) -> None:
    """Rows as JSON lines or CSV (with a header row)."""
    click.echo(jsonl_text(rows) if fmt == "jsonl" else csv_text(rows, columns), nl=False)


def filter_options(f=None, exclude=()):
    """The filter options (--region … --has-figures), but those named in ``exclude``."""
    def apply(f):
        for name, opt in reversed(list(zip(FILTER_NAMES, FILTER_OPTIONS))):
            if name not in exclude:
                f = opt(f)
        return f
    return apply(f) if f is not None else apply


@main.command()
@click.argument("query", required=False)
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many hits (1-1000).")
@filter_options
@click.option("--batch", type=click.File("rb"),
              help='Run one JSON request per line ({"query", "filters", "limit"}) from FILE or -.')
@output_options
@click.option("--no-synonyms", is_flag=True, envvar="SEARCHLIB_NO_SYNONYMS",
              help="Do not expand policy jargon (or set SEARCHLIB_NO_SYNONYMS=1).")
@click.option("--synonyms-file", type=click.Path(exists=True, dir_okay=False), help="Extra synonyms file.")
@click.option("--explain", is_flag=True, help="Show how each hit was scored.")
@click.option("--per-doc", type=click.IntRange(0, None), default=None,
              help="N passages of a document before the next N of it, so the first pages show many "
                   "documents (default 3, none when the query names a region or a year; 0: strictly "
                   "by score). Nothing is hidden by it.")
@click.option("--show-duplicates", is_flag=True,
              help="Also show passages whose text a better hit already shows (left out and counted by default).")
@click.option("--offset", type=click.IntRange(0, 10_000), default=0, show_default=True,
              help="Skip the first N hits (paging).")
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance", show_default=True,
              help="Order: relevance, date (published, oldest first) or -date (newest first).")
@click.option("--facets", is_flag=True, help="Count matches by province, city, year, type and section kind.")
@click.option("--group-by-doc", is_flag=True, help="List each document once, with its best passages.")
@click.option("--timeout", type=click.FloatRange(0.001, 600), default=None,
              help="Seconds of search time per query (default 0.5); then the concepts searched so far.")
@click.option("--exact-total", is_flag=True,
              help="Count every matching passage. By default, on an index of 200,000 passages or more, "
                   "passages that cannot reach the page are not scored and the count may be a lower bound "
                   "(\"at least N\"); the hits are the same.")
@click.pass_context
def search(ctx, query, limit, region, year, type_, kind, since, until, has_figures, level, issuer, batch, fmt,
           no_synonyms, synonyms_file, explain, per_doc, show_duplicates, offset, sort, facets, group_by_doc,
           timeout, exact_total):
    """Search passages for QUERY.

    \b
    Plain words are concepts (行政复议 案件 数量); Whoosh syntax also works:
    "exact phrase", AND / OR / NOT, title:报告, kind:plans.
    Filters without a QUERY browse: the documents they allow, newest first
    (with --kind or --has-figures, those documents' passages).
    """
    idx = _open(ctx, synonyms_file)
    if batch is not None:
        ctx.exit(_run_batch(idx, batch, limit, not no_synonyms, explain, per_doc, timeout, exact_total))
    applied = {"region": region, "year": year, "type": type_, "kind": kind, "since": since, "until": until,
               "has-figures": has_figures or None, "level": level, "issuer": issuer}
    applied = {k: v for k, v in applied.items() if v is not None}
    if not query and not applied:
        raise click.UsageError("give a QUERY, filters to browse by (--region …), or --batch FILE")
    result = idx.search(query or "", limit=limit, region=region, year=year, type=type_, kind=kind, since=since,
                        until=until, has_figures=has_figures, level=level, issuer=issuer,
                        synonyms=not no_synonyms, explain=explain,
                        per_doc=per_doc, offset=offset, sort=sort, facets=facets, timeout=timeout,
                        show_duplicates=show_duplicates, exact_total=exact_total)
    if fmt == "json":
        click.echo(json.dumps(result_dict(result, group_by_doc), ensure_ascii=False))
    elif fmt:
        _emit_rows([hit_row(h) for h in result.hits], fmt, HIT_COLUMNS)
    elif result.browse == "documents":
        _print_documents(result)
    elif group_by_doc and result.hits:
        _print_groups(result)
    else:
        _print_result(result, explain, applied)
    if not result.hits and not result.total:
        ctx.exit(EXIT_NOTHING)


def _run_batch(idx, stream, default_limit, synonyms, explain, per_doc=None, timeout=None,
               exact_total=False) -> int:
    status = 0
    for lineno, raw in enumerate(stream, 1):
        if not raw.strip():
            continue
        try:
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as e:
                raise SearchlibError(f"not UTF-8 (byte {e.start}); the other lines are searched") from None
            try:
                req = read_request(line)
            except ValueError as e:
                raise SearchlibError(str(e)) from None
            if not isinstance(req, dict) or "query" not in req:
                raise SearchlibError('each line must be a JSON object with a "query"')
            f = Filters.from_dict(req.get("filters"))
            res = idx.search(req["query"], limit=req.get("limit") or default_limit, region=f.region,
                             year=f.year, type=f.type, kind=f.kind, since=f.since, until=f.until,
                             has_figures=f.has_figures, level=f.level, issuer=f.issuer, synonyms=synonyms,
                             explain=explain,
                             per_doc=req.get("per_doc", per_doc), offset=req.get("offset", 0),
                             sort=req.get("sort", "relevance"), facets=bool(req.get("facets")),
                             timeout=timeout, show_duplicates=bool(req.get("show_duplicates")),
                             exact_total=bool(req.get("exact_total", exact_total)))
            out = res.to_dict()
        except (SearchlibError, ValueError) as e:
            out = {"query": None, "error": f"line {lineno}: {e}", "hits": []}
            click.echo(f"Error: line {lineno}: {e}", err=True)
            status = EXIT_ERROR
        click.echo(json.dumps(out, ensure_ascii=False))
    return status


def _colour() -> bool:
    """Whether this output gets colour: --color, NO_COLOR, else whether stdout is a terminal."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None and ctx.color is None and ctx.parent is not None:
        ctx = ctx.parent
    if ctx is not None and ctx.color is not None:
        return ctx.color
    return sys.stdout.isatty()


def _render_snippet(snippet: str) -> str:
    snippet = " ".join(snippet.split("\n"))          # one line on a terminal, whatever the passage held
    if _colour():
        return snippet.replace("<mark>", "\x1b[1;31m").replace("</mark>", "\x1b[0m")
    return snippet.replace("<mark>", "【").replace("</mark>", "】")


def _print_documents(result) -> None:
    """A browse by filters: the documents, newest first."""
    if not result.hits:
        click.echo(f"No documents on this page ({result.total} documents)." if result.total else "No documents.")
        return
    click.echo(f"{result.total} document{'s' if result.total != 1 else ''} ({result.expanded_query}), newest first; "
               f"{result.offset + 1}–{result.offset + len(result.hits)} ({result.elapsed_ms:.0f} ms)\n")
    for i, h in enumerate(result.hits, result.offset + 1):
        meta = " · ".join(str(x) for x in (h.region, h.year, h.doc_type, h.published and f"published {h.published}",
                                           h.doc_number) if x)
        click.echo(click.style(f"{i}. {h.title or h.doc_id}", bold=True) + (f"  [{meta}]" if meta else ""))
        click.echo(f"   {h.doc_id}")


def _print_groups(result) -> None:
    groups = result.by_document()
    click.echo(("at least " if result.total_relation == "gte" else "")
               + f"{result.total} matching passages; {len(result.hits)} shown from {len(groups)} documents "
               f"({result.elapsed_ms:.0f} ms)\n")
    for i, g in enumerate(groups, 1):
        meta = " · ".join(str(x) for x in (g["region"], g["year"], g["doc_type"]) if x)
        click.echo(click.style(f"{i}. {g['title']}", bold=True) + f"  [{meta}]  {g['doc_id']}")
        for h in g["hits"]:
            click.echo(f"   #{h.passage_id.rpartition('#')[2]} " + " › ".join(h.heading_path[-1:]))
            click.echo("      " + _render_snippet(h.snippet))
        click.echo()


def _figures_first(hit) -> list:
    """The hit's figures, those inside the snippet (the sentence that matched) first."""
    shown = hit.snippet.replace("<mark>", "").replace("</mark>", "").strip("…")
    return sorted(hit.figures, key=lambda f: (f.text not in shown, f.start))


def _facet_line(facets: dict, top: int = 3) -> str:
    """One line: the largest values of each facet with their passage counts."""
    parts = []
    for name in ("province", "city", "year", "type", "kind"):
        values = facets.get(name) or []
        if values:
            shown = ", ".join(f"{v['value']} {v['passages']}" for v in values[:top])
            parts.append(f"{name}: {shown}" + (" …" if len(values) > top else ""))
    return "facets: " + "; ".join(parts)


def _print_reading(result) -> None:
    """How the query was read, the words no passage holds, and did-you-mean lines."""
    click.echo(f"read as: {result.expanded_query}")
    if result.unmatched:
        click.echo("no passage holds: " + ", ".join(result.unmatched))
    if not result.total and result.total_partial:
        click.echo("no passage has all of these words; partial matches follow")
    for s in result.suggestions:
        click.echo(f"did you mean: {s['suggestion']} (for {s['word']}): searchlib search {s['query']}")


def _print_result(result, explain=False, applied=None):
    if not result.hits:
        if result.total:
            click.echo(f"No results on this page ({result.total} matching passages).")
        elif applied:
            shown = ", ".join(f"--{k}" if v is True else " ".join(f"--{k} {x}" for x in v) if isinstance(v, list)
                              else f"--{k} {v}" for k, v in applied.items())
            click.echo(f"No results (filters: {shown}).")
        else:
            click.echo("No results.")
            _print_reading(result)
        return
    shown = (f"top {len(result.hits)}" if not result.offset
             else f"hits {result.offset + 1}–{result.offset + len(result.hits)}")
    click.echo(("at least " if result.total_relation == "gte" else "" if result.counts_exact else "about ")
               + f"{result.total} matching passages"
               + (" (newest document first)" if result.browse else "")
               + (f" (+{result.total_partial} partial: missing some words)" if result.total_partial else "")
               + f"; {shown} ({result.elapsed_ms:.0f} ms)"
               + ("; out of time: ranked on the first concepts only" if result.partial else ""))
    if result.total_relation == "gte":
        click.echo("(passages that cannot reach this page were not scored: --exact-total counts them all)")
    if result.duplicates_hidden:
        click.echo(f"{result.duplicates_hidden} repeated passages left out (--show-duplicates shows them)")
    if result.facets:
        click.echo(_facet_line(result.facets))
    for warning in result.warnings:
        click.echo(f"note: {warning}")
    _print_reading(result)
    click.echo()
    for i, h in enumerate(result.hits, result.offset + 1):
        edition = h.edition and (h.edition + ("" if h.current is not False else ", a newer edition is indexed"))
        meta = " · ".join(str(x) for x in (h.region, h.year, h.section_kind, h.level, edition) if x)
        click.echo(click.style(f"{i}. {h.title}", bold=True) + f"  [{meta}]")
        if h.heading_path:
            click.echo("   " + " › ".join(h.heading_path))
        click.echo("   " + _render_snippet(h.snippet))
        if h.figures:
            click.echo("   figures: " + "; ".join(f"{f.subject} {f.text}".strip() for f in _figures_first(h)[:6]))
        if h.missing:
            click.echo("   缺少 (missing): " + ", ".join(h.missing))
        click.echo(f"   {h.passage_id}" + ("" if result.browse else f"  score {h.score:.2f}"))
        if explain and h.explanation:
            e = h.explanation
            extra = "".join(f" × {name} {e[key]}" for key, name in (("genre_prior", "prior"),
                                                                   ("answer_factor", "answer factor"))
                            if e.get(key, 1.0) != 1.0)
            click.echo(f"   explain: text score {e['text_score']} × concreteness factor {e['concreteness_factor']}"
                       f" (concreteness {e['concreteness']}){extra}; matched {', '.join(e['matched_terms'])}")
        click.echo()


@main.command()
@click.argument("query")
@click.option("--unit", help="Only figures in this unit (件, 人, 万元, 亩, %) or class (count, money, area, "
                             "people, time, percent); comparable units match and convert.")
@click.option("--by", type=click.Choice(["region", "period", "year", "document"]),
              help="Group rows: per region (latest report first), per period the figures describe (a time "
                   "series; year is the same) or per document.")
@click.option("--role", type=click.Choice(["result", "target", "baseline"]),
              help="Only results (achieved), targets (planned) or baselines (the start of a change).")
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=100, show_default=True,
              help="At most this many rows.")
@click.option("--passages", type=click.IntRange(1, 1000), default=1000, show_default=True,
              help="How many of the best matching passages to read figures from.")
@filter_options(exclude=("has_figures", "level", "issuer"))
@output_options
@click.option("--no-synonyms", is_flag=True, envvar="SEARCHLIB_NO_SYNONYMS",
              help="Do not expand policy jargon (or set SEARCHLIB_NO_SYNONYMS=1).")
@click.pass_context
def figures(ctx, query, unit, by, role, limit, passages, region, year, type_, kind, since, until, fmt, no_synonyms):
    """Answer table: the figures that passages matching QUERY state about it.

    \b
    One row per figure: region, the period it describes (2025, 2021-2025), its role
    (result, target, baseline), document, subject (≈: a related measure, not the one
    asked), value (万/亿 scaled), unit and the sentence it comes from, e.g.
      searchlib figures 行政复议 --unit 件 --by period
    """
    idx = _open(ctx)
    table = idx.figures(query, unit=unit, by=by, limit=limit, region=region, year=year, type=type_, kind=kind,
                        since=since, until=until, role=role, synonyms=not no_synonyms, passages=passages)
    if fmt == "json":
        click.echo(json.dumps(table.to_dict(), ensure_ascii=False))
    elif fmt:
        _emit_rows([figure_row(r) for r in table.rows], fmt, FIGURE_COLUMNS)
    else:
        _print_table(table)
    if not table.rows:
        ctx.exit(EXIT_NOTHING)


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit(text: str, width: int) -> str:
    """``text`` cut (with …) and padded to ``width`` terminal columns."""
    if _width(text) > width:
        while text and _width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - _width(text))


def _print_table(table) -> None:
    if not table.rows:
        click.echo(f"No figures for {table.query!r}" + (f" in {table.unit}" if table.unit else "")
                   + f" ({table.passages} matching passages read).")
        return
    shown = f"{len(table.rows)} of {table.total}" if table.total > len(table.rows) else str(table.total)
    click.echo(f"{shown} figures from {table.passages} matching passages ({table.elapsed_ms:.0f} ms)"
               + ("; out of time: passages ranked on the first concepts only" if table.partial else ""))
    if table.expansions:
        click.echo("expanded: " + "; ".join(f"{c} → {' | '.join(a)}" for c, a in table.expansions.items()))
    columns = [("region", 14), ("period", 9), ("role", 8), ("value", 14), ("unit", 6), ("subject", 24),
               ("document", 30)]
    header = "  ".join(_fit(name, w) if name != "value" else name.rjust(w) for name, w in columns)

    def line(r) -> str:
        value = ("+" if r.change == "increase" else "−" if r.change == "decrease" else "") + number_text(r.value)
        cells = [_fit(r.region or "", 14), _fit(r.period or "", 9), _fit(r.role, 8), value.rjust(14),
                 _fit(r.unit, 6), _fit(("≈" if r.measure == "related" else "") + (r.subject or ""), 24),
                 _fit(r.title, 30)]
        return "  ".join(cells).rstrip()
    groups = table.groups if table.by else [{"key": None, "rows": table.rows}]
    for g in groups:
        click.echo()
        if table.by:
            key = g["key"] if g["key"] is not None else f"(no {table.by})"
            click.echo(click.style(f"{table.by}: {key}", bold=True))
        click.echo(click.style(header.rstrip(), dim=True))
        for r in g["rows"]:
            click.echo(line(r))
            click.echo(click.style(f"    {r.passage_id}  {r.sentence[:80]}", dim=True))
    if any(r.measure == "related" for r in table.rows):
        click.echo(click.style("≈ the sentence names a related measure, not the one asked "
                               "(城镇化率 for 常住人口城镇化率)", dim=True))


@main.command()
@click.argument("doc_id")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.option("--context", type=click.IntRange(0, 20), default=1, show_default=True,
              help="With a passage id: how many passages before and after it.")
@click.pass_context
def show(ctx, doc_id, as_json, context):
    """Show a document (DOC_ID) or one passage with its neighbours (DOC_ID#N, as printed
    under each search hit)."""
    idx = _open(ctx)
    if "#" in doc_id and doc_id.rpartition("#")[2].isdigit():
        found = idx.passage(doc_id, context=context)
        if as_json:
            click.echo(json.dumps(found, ensure_ascii=False, indent=1))
            return
        doc, p = found["document"], found["passage"]
        click.echo(click.style(doc["title"], bold=True) + f"  [{doc_id}]")
        click.echo(click.style("[" + p["section_kind"] + "] " + " › ".join(p["heading_path"]), fg="blue"))
        for q in found["before"]:
            click.echo(click.style(f"  {q['text']}", dim=True))
        click.echo(click.style(f"› {p['text']}", bold=True))
        for q in found["after"]:
            click.echo(click.style(f"  {q['text']}", dim=True))
        return
    doc = idx.document(doc_id)
    if as_json:
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        return
    region = (doc.get("region") or {}).get("name", "")
    lines = [click.style(doc["title"], bold=True)]
    for key in ("doc_id", "doc_type", "year", "published", "source", "doc_number", "index_number", "path"):
        if doc.get(key):
            lines.append(f"  {key}: {doc[key]}")
    if region:
        lines.append(f"  region: {region} ({doc['region']['code']})")
    rule = doc.get("rule")
    if rule:
        facts = [rule.get("level"), rule.get("issuer"), rule.get("edition"),
                 rule.get("effective") and f"effective {rule['effective']}",
                 "current edition" if doc.get("current") else "a newer edition is indexed"]
        lines.append("  rule: " + " · ".join(str(f) for f in facts if f))
        others = [e for e in doc.get("editions", []) if e["doc_id"] != doc["doc_id"]]
        if others:
            lines.append("  other editions: " + "; ".join(f"{e['edition'] or e['published']} ({e['doc_id']})"
                                                          for e in others))
    if doc.get("format"):
        ocr = doc.get("ocr")
        lines.append(f"  format: {doc['format']}" + (f" (scan read by OCR: {ocr['pages']} pages, mean confidence "
                                                      f"{ocr['confidence']:.0f}; check figures against the original)"
                                                      if ocr else ""))
    last = None
    for p in doc["passages_list"]:
        path = " › ".join(p["heading_path"])
        if path != last:
            lines.append(click.style(f"\n[{p['section_kind']}] {path}", fg="blue"))
            last = path
        lines.append(f"  #{p['ordinal']} {p['text']}")
    text = "\n".join(lines)
    if sys.stdout.isatty():
        click.echo_via_pager(text + "\n")       # a long report pages on a terminal
    else:
        click.echo(text)


@main.command()
@filter_options(exclude=("kind", "has_figures"))
@click.option("--limit", type=click.IntRange(min=1), default=None, help="List at most this many (default: all).")
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip this many first (by doc_id).")
@output_options
@click.pass_context
def docs(ctx, region, year, type_, since, until, level, issuer, limit, offset, fmt):
    """List the indexed documents (all, or those the filters allow), by doc_id.

    --limit/--offset read only that page's records (a library of 100,000 reports lists
    its first 20 as fast as a small one).
    """
    total, found = _open(ctx).document_page(region=region, year=year, type=type_, since=since, until=until,
                                            level=level, issuer=issuer, offset=offset, limit=limit)
    if fmt == "json":
        click.echo(json.dumps([doc_row(d) for d in found], ensure_ascii=False, indent=1))
    elif fmt:
        _emit_rows([doc_row(d) for d in found], fmt, DOC_COLUMNS)
    else:
        for d in found:
            region_name = (d.get("region") or {}).get("name") or "—"
            click.echo(f"{d['doc_id']}  {d.get('year') or '—'}  {region_name}  {d.get('doc_type')}  {d.get('title')}")
        shown = f"{offset + 1}–{offset + len(found)} of {total}" if len(found) < total else f"{total}"
        click.echo(f"{shown} documents")
    if not found:
        ctx.exit(EXIT_NOTHING)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_context
def stats(ctx, as_json):
    """Counts of documents and passages by type, year and region."""
    st = _open(ctx).stats()
    if as_json:
        click.echo(json.dumps(st, ensure_ascii=False, indent=1))
        return
    click.echo(f"index: {st['index']}  ({st['index_bytes'] / 1e6:.1f} MB)")
    click.echo(f"documents: {st['documents']}  passages: {st['passages']}  characters: {st['characters']}")
    for key in ("doc_types", "years", "regions"):
        click.echo(f"{key}: " + ", ".join(f"{k} {v}" for k, v in st[key].items()))
    for sh in st.get("shards", ()):
        click.echo(f"shard {sh['shard']} ({sh['dir']}): {sh['documents']} documents, {sh['passages']} passages, "
                   f"{sh['bytes'] / 1e6:.1f} MB, generation {sh['generation']}, {sh['segments']} segment(s)")


@main.command()
@click.argument("query")
@click.option("--synonyms-file", type=click.Path(exists=True, dir_okay=False), help="Extra synonyms file.")
@click.pass_context
def synonyms(ctx, query, synonyms_file):
    """Print what QUERY becomes after synonym expansion."""
    click.echo(_open(ctx, synonyms_file).explain_query(query))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--index", "serve_index", type=click.Path(file_okay=False), default=None,
              help="Index directory (default: the global --index).")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Requests served at once by each worker.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes sharing the port and the memory-mapped index (use one per core; not with --ray).")
@click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None, metavar="[ADDRESS]",
              help="Search a sharded index through Ray actors, one per shard replica: alone, on a Ray instance "
                   "started here; with auto or ray://HOST:10001, on that cluster.")
@click.option("--replicas", type=click.IntRange(1, 64), default=1, show_default=True,
              help="With --ray: actors per shard (a failed one's queries go to another).")
@click.option("--cors", "cors", multiple=True, metavar="ORIGIN",
              help="Let pages of ORIGIN (https://app.example.org; repeat it or give a comma list; * for any) "
                   "call the JSON API from a browser. Off by default.")
@click.pass_context
def serve(ctx, host, port, serve_index, threads, workers, ray_address, replicas, cors):
    """Serve the search page and the JSON API over HTTP (read-only)."""
    try:
        from .web import serve as run_server
    except ImportError as e:
        raise SearchlibError(f"the web server needs Flask and waitress ({e}): "
                             "pip install 'flask>=3.1,<4' 'waitress>=3.0,<4'") from None
    index_dir = serve_index or ctx.obj["index"]
    if workers > 1 and ray_address is not None:
        # a Ray driver's connection does not survive fork(): the worker processes could not reach the actors
        raise click.UsageError("--workers cannot be combined with --ray: the Ray actors already search the "
                               "shards in parallel; give more --replicas, or serve with --workers without --ray")
    index = index_dir
    if ray_address is not None:
        from .cluster import open_on_ray
        index = open_on_ray(index_dir, ray_address, replicas)      # errors here stop the command
        click.echo(f"{len(index._searcher.clients)} shard(s) × {replicas} replica(s) on Ray", err=True)
    else:
        try:
            check_index(Path(index_dir))
        except SearchlibError as e:     # served anyway: 503 with the reason until the index is usable
            click.echo(f"note: {error_message(e)}; requests get 503 until then", err=True)

    def listening(h, p):
        procs = f" with {workers} worker processes" if workers > 1 else ""
        click.echo(f"Serving {index_dir} on http://{_url_host(h)}:{p}/{procs} (Ctrl-C to stop)", err=True)
    try:
        status = run_server(index, host=host, port=port, threads=threads, workers=workers, on_listen=listening,
                            **({"cors": list(cors)} if cors else {}))
    except OSError as e:
        raise SearchlibError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    if status:
        raise SearchlibError("the server's worker processes kept exiting at once; see the messages above")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
