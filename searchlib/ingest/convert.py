"""Files read through an outside program: old Word, WPS, RTF and OpenDocument files through
LibreOffice, and scans through Tesseract.

``office_to_docx`` converts a ``.doc``/``.wps``/``.rtf``/``.odt``/… file with LibreOffice
(``soffice --headless --convert-to docx``) in a temporary directory, with a private
LibreOffice profile (conversions running side by side never share one) and a time budget,
and returns the ``.docx`` bytes for ``extract_docx``. ``ocr_pdf`` renders each page of an
image-only PDF with pypdfium2 and reads it with Tesseract's ``chi_sim`` model
(``tesseract … tsv``: words with their confidence); pages whose mean word confidence is
below ``MIN_PAGE_CONFIDENCE`` are reported, not indexed as garbage.

Both are found on ``PATH`` when a file needs them (``soffice`` or ``libreoffice``;
``tesseract`` with the ``chi_sim`` language). When one is missing, the skip message says what
to install. Each outside process runs in its own process group and is killed with it when
its time runs out or the file's time budget interrupts it: no converter is left behind.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Optional

from ..errors import IngestError
from .pdf import HEADING_START, join_text

CONVERT_TIMEOUT = 90.0        # seconds LibreOffice may take to convert one file
OCR_PAGE_TIMEOUT = 60.0       # seconds Tesseract may take to read one page
OCR_DPI = 300                 # pages are rendered at this resolution for OCR
MIN_PAGE_CONFIDENCE = 45.0    # a page read with a lower mean word confidence (0-100) is left out
MAX_OCR_PAGES = 200           # a longer scan is refused: hours of OCR for one file

INSTALL_LIBREOFFICE = ("install LibreOffice Writer to read it (Debian/Ubuntu: apt install libreoffice-writer-nogui; "
                       "macOS: brew install --cask libreoffice; Windows: libreoffice.org, then put soffice on PATH) "
                       "or save it as .docx")
INSTALL_TESSERACT = ("install Tesseract with its chi_sim data to read it (Debian/Ubuntu: apt install "
                     "tesseract-ocr tesseract-ocr-chi-sim; macOS: brew install tesseract tesseract-lang; "
                     "Windows: github.com/UB-Mannheim/tesseract, with the chi_sim language)")


def soffice() -> Optional[str]:
    """The LibreOffice program on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def tesseract_chi_sim() -> Optional[str]:
    """The tesseract program on PATH when it has the chi_sim language, or None."""
    exe = shutil.which("tesseract")
    if exe is None:
        return None
    try:
        out = _run([exe, "--list-langs"], timeout=20).stdout
    except IngestError:
        return None
    return exe if "chi_sim" in out.split() else None


def _run(cmd: list[str], timeout: float, cwd: Optional[str] = None, env: Optional[dict] = None
         ) -> subprocess.CompletedProcess:
    """Run ``cmd`` in its own process group; on a timeout, or anything that interrupts this
    (the file's time budget), kill the whole group (LibreOffice starts a child of its own)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise IngestError(f"{Path(cmd[0]).name} took longer than {timeout:g} s") from None
    except BaseException:
        _kill(proc)
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out.decode("utf-8", "replace"),
                                       err.decode("utf-8", "replace"))


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def office_to_docx(path: Path, kind: str) -> bytes:
    """The ``.docx`` LibreOffice makes of ``path`` (an old Word/WPS/RTF/ODT file, named
    ``kind`` in messages). Raises IngestError with what to install when LibreOffice is missing,
    or why the conversion failed."""
    exe = soffice()
    if exe is None:
        raise IngestError(f"{kind} file: {INSTALL_LIBREOFFICE}")
    with tempfile.TemporaryDirectory(prefix="searchlib-convert-") as work:
        work_dir = Path(work)
        # LibreOffice picks its import filter from the suffix: a .wps is Word's binary format
        source = work_dir / ("source" + (".doc" if path.suffix.lower() in (".wps", ".wpt") else path.suffix.lower()))
        shutil.copyfile(path, source)
        profile = (work_dir / "profile").as_uri()
        env = dict(os.environ, HOME=str(work_dir))        # nothing written to the user's home
        result = _run([exe, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nologo",
                       "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(work_dir / "out"), str(source)],
                      timeout=CONVERT_TIMEOUT, cwd=work, env=env)
        produced = work_dir / "out" / "source.docx"
        if not produced.exists():
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise IngestError(f"LibreOffice could not convert this {kind} file"
                              + (f": {detail[-1][:200]}" if detail else ""))
        return produced.read_bytes()


def ocr_pdf(data: bytes) -> tuple[list[str], list[float]]:
    """The text of each page of an image-only PDF (raw bytes) as Tesseract reads it, one
    paragraph per line, and each page's mean word confidence (0-100); a page below
    MIN_PAGE_CONFIDENCE gives "". Raises IngestError with what to install when Tesseract or
    its chi_sim data is missing. Each page adds OCR_PAGE_TIMEOUT to the time the file may
    take (``extend_time_budget``): a scan is slow, not stuck."""
    exe = tesseract_chi_sim()
    if exe is None:
        raise IngestError(f"scanned PDF (no text layer): {INSTALL_TESSERACT}")
    import pypdfium2 as pdfium                        # imported when a scan is read
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise IngestError(f"unreadable PDF ({e})") from None
    try:
        if len(pdf) > MAX_OCR_PAGES:
            raise IngestError(f"scanned PDF has too many pages to OCR ({len(pdf)} > {MAX_OCR_PAGES})")
        pages, confidences = [], []
        with tempfile.TemporaryDirectory(prefix="searchlib-ocr-") as work:
            for i in range(len(pdf)):
                extend_time_budget(OCR_PAGE_TIMEOUT)
                image = pdf[i].render(scale=OCR_DPI / 72, grayscale=True).to_pil()
                png = Path(work) / f"page{i}.png"
                image.save(png)
                lines, confidence = _ocr_page(exe, png)
                pages.append(lines if confidence >= MIN_PAGE_CONFIDENCE else [])
                confidences.append(confidence)
        return _paragraphs(pages), confidences
    finally:
        pdf.close()


def extend_time_budget(seconds: float) -> None:
    """Give the running file ``seconds`` more, when its time is bounded by a real-time timer
    (the pipeline's per-file budget); nothing otherwise."""
    remaining, interval = signal.getitimer(signal.ITIMER_REAL)
    if remaining > 0:
        signal.setitimer(signal.ITIMER_REAL, remaining + seconds, interval)


class _Line:
    __slots__ = ("left", "right", "top", "height", "text")

    def __init__(self, left: int, right: int, top: int, height: int, text: str):
        self.left, self.right, self.top, self.height, self.text = left, right, top, height, text


def _ocr_page(exe: str, png: Path) -> tuple[list[_Line], float]:
    """One page image read by Tesseract: its lines with their left and right edges (the
    words of a line joined without spaces, as Chinese is written), and the mean confidence
    of its words."""
    result = _run([exe, str(png), "stdout", "-l", "chi_sim", "--psm", "3", "tsv"], timeout=OCR_PAGE_TIMEOUT,
                  env=dict(os.environ, OMP_THREAD_LIMIT="1"))
    if result.returncode != 0:
        raise IngestError(f"tesseract failed: {result.stderr.strip()[:200]}")
    words: dict[tuple, list] = {}
    confidences = []
    for row in result.stdout.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5":       # level 5: a word
            continue
        word, conf = cells[11].strip(), float(cells[10])
        if not word or conf < 0:
            continue
        left, top, width, height = int(cells[6]), int(cells[7]), int(cells[8]), int(cells[9])
        words.setdefault((int(cells[2]), int(cells[3]), int(cells[4])), []).append((word, left, left + width, top,
                                                                                    height))
        confidences.append(conf)
    # Tesseract may cut one printed line in two (at a quotation mark): pieces whose middles
    # are within half a line of each other are one line, read left to right
    pieces = sorted(words.values(), key=lambda ws: (min(w[3] + w[4] / 2 for w in ws), min(w[1] for w in ws)))
    rows: list[list] = []
    for ws in pieces:
        middle = sorted(w[3] + w[4] / 2 for w in ws)[len(ws) // 2]
        height = sorted(w[4] for w in ws)[len(ws) // 2]
        if rows and abs(rows[-1][0] - middle) < height / 2:
            rows[-1][1].extend(ws)
        else:
            rows.append([middle, list(ws)])
    lines = []
    for _, ws in rows:
        ws.sort(key=lambda w: w[1])
        lines.append(_Line(ws[0][1], max(w[2] for w in ws), min(w[3] for w in ws),
                           sorted(w[4] for w in ws)[len(ws) // 2], join_text([w[0] for w in ws])))
    return lines, (sum(confidences) / len(confidences) if confidences else 0.0)




def _paragraphs(pages: list[list[_Line]]) -> list[str]:
    """Each page's paragraphs, one per line, from the lines' geometry: a line continues the
    one before it when that one reaches the right margin (it was broken by the page width)
    and this one is not indented and does not start a heading; a paragraph broken by the
    page end continues on the next page the same way (it is added to the page it starts on)."""
    out: list[list[str]] = []
    open_paragraph = False           # the last line so far reached the margin: may continue
    for lines in pages:
        page: list[str] = []
        out.append(page)
        if not lines:
            open_paragraph = False
            continue
        char = sorted(ln.height for ln in lines)[len(lines) // 2] or 1
        margin_left = min(ln.left for ln in lines)
        rights = sorted(ln.right for ln in lines)
        margin_right = rights[int(0.9 * (len(rights) - 1))]
        for ln in lines:
            indented = ln.left > margin_left + 1.5 * char        # a paragraph's first line: 2 characters in
            # a centred line after a full one continues it: a title on two lines
            centred = indented and abs((ln.left - margin_left) - (margin_right - ln.right)) < 2 * char
            if open_paragraph and (not indented or centred) and not HEADING_START.match(ln.text):
                target = page if page else next((p for p in reversed(out[:-1]) if p), page)
                if target:
                    target[-1] += ln.text
                else:
                    page.append(ln.text)
            else:
                page.append(ln.text)
            # ragged-right text ends a full line up to 2 characters short of the margin
            open_paragraph = ln.right >= margin_right - 2.5 * char
    return ["\n".join(_pair_quotes(t) for t in p) for p in out]


def _pair_quotes(text: str) -> str:
    """Tesseract reads many Chinese quotation marks as ASCII ``"``: each one becomes the
    opening or the closing mark, whichever the text before it calls for."""
    if '"' not in text:
        return text
    out, inside = [], False
    for ch in text:
        if ch == '"':
            ch = "”" if inside else "“"
        if ch in "“”":
            inside = ch == "“"
        out.append(ch)
    return "".join(out)
