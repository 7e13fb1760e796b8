"""Files read through an outside program: old Word, WPS, RTF and OpenDocument files through
LibreOffice, and scans through Tesseract.

``office_to_docx`` converts a ``.doc``/``.wps``/``.rtf``/``.odt``/… file with LibreOffice
(``soffice --headless --convert-to docx``) in a temporary directory, with a private
LibreOffice profile (conversions running side by side never share one) and a time budget,
and returns the ``.docx`` bytes for ``extract_docx``. ``ocr_pdf`` renders each page of an
image-only PDF with pypdfium2 and reads it with Tesseract's ``chi_sim`` model
(``tesseract … hocr``: lines, words with their confidence, characters with their boxes);
pages whose mean word confidence is below ``MIN_PAGE_CONFIDENCE`` are reported, not
indexed as garbage. What Tesseract's Chinese model reads badly is done here: the page is
cleaned (median filter, Otsu threshold), quotation marks are found in the image, taken out
before Tesseract reads it and put back after (``read_page``), middle dots it reads as : or .
are restored, marks are paired (``_pair_quotes``), and division names with a character the
model lacks are put right (``restore_place_names``). All of it applies to OCR output only.

Both are found on ``PATH`` when a file needs them (``soffice`` or ``libreoffice``;
``tesseract`` with the ``chi_sim`` language). When one is missing, the skip message says what
to install. Each outside process runs in its own process group and is killed with it when
its time runs out or the file's time budget interrupts it: no converter is left behind.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Optional

from ..errors import IngestError
from .pdf import HEADING_START, join_text

CONVERT_TIMEOUT = 90.0        # seconds LibreOffice may take to convert one file
OCR_PAGE_TIMEOUT = 60.0       # seconds Tesseract may take to read one page
OCR_DPI = 200                 # pages are rendered at this resolution for OCR (300 read worse: see README)
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
                lines, confidence = read_page(exe, image, Path(work) / f"page{i}.png")
                pages.append(lines if confidence >= MIN_PAGE_CONFIDENCE else [])
                confidences.append(confidence)
        return restore_place_names(_paragraphs(pages), _model_characters(exe)), confidences
    finally:
        pdf.close()


def read_page(exe: str, image, png: Path) -> tuple[list["_Line"], float]:
    """One page image (PIL) read: binarised (``_binarise``); its double quotation marks found
    (``_quote_marks``: Tesseract's Chinese model misreads the small Western-font quotes of
    Chinese documents, or drops them) and taken out of the image; the rest read by
    Tesseract (saved as ``png``); the marks put back into the lines they were taken from
    (``_put_back``), and the single marks and middle dots it misread restored
    (``_confirm``). Returns the printed lines and the mean word confidence."""
    import numpy as np
    from PIL import Image

    ink = _binarise(image)
    h = _text_height(ink)
    marks, singles, dots = [], [], []
    if h >= 8:
        runs = _column_runs(ink, h)
        marks, singles = _quote_marks(ink, h, runs)
        dots = _middle_dots(ink, h, runs)
    for m in marks:
        ink[max(0, m.top - 1):m.bottom + 2, max(0, m.left - 1):m.right + 2] = False
    Image.fromarray(np.where(ink, 0, 255).astype(np.uint8)).save(png)
    lines, confidence = _hocr_lines(_tesseract_hocr(exe, png))
    _put_back(marks, lines)
    _confirm(singles, lines, _SINGLE_READINGS)
    _confirm(dots, lines, _DOT_READINGS)
    return lines, confidence


def extend_time_budget(seconds: float) -> None:
    """Give the running file ``seconds`` more, when its time is bounded by a real-time timer
    (the pipeline's per-file budget); nothing otherwise."""
    remaining, interval = signal.getitimer(signal.ITIMER_REAL)
    if remaining > 0:
        signal.setitimer(signal.ITIMER_REAL, remaining + seconds, interval)


def _binarise(image):
    """Ink (True) and paper of a page image, as a numpy array: the greys smoothed by a 3×3
    median (paper grain and speckles go, strokes stay) and split at Otsu's threshold (the
    grey that best separates two classes). A page without contrast (blank paper) has no ink."""
    import numpy as np
    from PIL import ImageFilter

    grey = np.asarray(image.convert("L").filter(ImageFilter.MedianFilter(3)))
    hist = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256)
    count = np.cumsum(hist)                         # pixels at or below each grey
    mass = np.cumsum(hist * levels)
    above = count[-1] - count
    with np.errstate(divide="ignore", invalid="ignore"):
        dark_mean = mass / count
        light_mean = (mass[-1] - mass) / above
        between = np.where((count > 0) & (above > 0), count * above * (dark_mean - light_mean) ** 2, 0.0)
    t = int(np.argmax(between))
    if not between[t] or light_mean[t] - dark_mean[t] < 60:
        return np.zeros(grey.shape, dtype=bool)
    return grey <= t


def _text_height(ink) -> float:
    """The usual height of a line of text in a binarised page (pixels): the median height of
    the bands of inked rows in vertical strips a few characters wide (narrow enough that a
    slight tilt does not join two lines); 0 on a page without text."""
    import numpy as np

    width = max(8, ink.shape[1] // 12)
    heights = []
    for x in range(0, ink.shape[1] - width + 1, width):
        rows = np.concatenate(([False], ink[:, x:x + width].any(axis=1), [False]))
        edges = np.flatnonzero(np.diff(rows.astype(np.int8)))
        heights.extend(int(h) for h in edges[1::2] - edges[0::2] if h >= 4)
    return float(np.median(heights)) if heights else 0.0


class _Mark:
    """A mark found in a page image: its box (rows top..bottom, columns left..right,
    inclusive) and the character it is: “ ” ‘ ’ (" or ' when its shape does not say which),
    or · (a middle dot)."""
    __slots__ = ("left", "right", "top", "bottom", "char")

    def __init__(self, left: int, right: int, top: int, bottom: int, char: str):
        self.left, self.right, self.top, self.bottom, self.char = left, right, top, bottom, char


def _quote_marks(ink, h: float, runs) -> tuple[list[_Mark], list[_Mark]]:
    """The double and the single quotation marks of a binarised page whose lines are ``h``
    pixels high: pairs of small commas side by side at the top of a line (``_commas``) are
    double marks; a comma alone may be a single mark when it has the size of the page's
    double marks' commas (or the dot of a character: 性, 时; ``_confirm`` keeps only those
    Tesseract read as a mark). Each comma's ink is weighted to its bottom (“ ‘, the 6 shape)
    or to its top (” ’, the 9 shape)."""
    commas = sorted(_commas(ink, h, runs), key=lambda c: c[0])
    marks, singles, paired, used = [], [], [], set()
    for i, a in enumerate(commas):
        if i in used:
            continue
        for j in range(i + 1, len(commas)):
            b = commas[j]
            if b[0] - a[1] > 0.3 * h:
                break
            if (j not in used and b[0] > a[1] and abs(b[2] - a[2]) <= 0.15 * h
                    and 0.6 <= (b[3] - b[2] + 1) / (a[3] - a[2] + 1) <= 1.6):
                used.update((i, j))
                paired += [a, b]
                char = _orientation((a[4] + b[4]) / 2, '“”"')
                marks.append(_Mark(a[0], b[1], min(a[2], b[2]), max(a[3], b[3]), char))
                break
    if paired:
        tall = sorted(c[3] - c[2] + 1 for c in paired)[len(paired) // 2]
        wide = sorted(c[1] - c[0] + 1 for c in paired)[len(paired) // 2]
        for i, c in enumerate(commas):
            if (i not in used and abs(c[3] - c[2] + 1 - tall) <= 0.25 * tall
                    and abs(c[1] - c[0] + 1 - wide) <= 0.35 * wide + 1):
                singles.append(_Mark(c[0], c[1], c[2], c[3], _orientation(c[4], "‘’'")))
    return marks, singles


def _orientation(weight: float, chars: str) -> str:
    """The opening mark (chars[0]) for ink weighted to the bottom, the closing one (chars[1])
    for ink weighted to the top, chars[2] when the shape does not say."""
    return chars[0] if weight > 0.52 else chars[1] if weight < 0.48 else chars[2]


def _column_runs(ink, h: float):
    """The vertical runs of ink of a binarised page, column by column (runs less than a fifth
    of a line apart are one: the curl of a 6-shaped comma leaves a gap): numpy arrays of
    column, first row, end row (exclusive), and the paper above and below each run."""
    import numpy as np

    columns = np.zeros((ink.shape[1], ink.shape[0] + 2), dtype=np.int8)
    columns[:, 1:-1] = ink.T
    steps = np.diff(columns, axis=1)
    col, start = np.nonzero(steps == 1)
    _, end = np.nonzero(steps == -1)
    apart = (col[1:] != col[:-1]) | (start[1:] - end[:-1] >= 0.2 * h)
    col, start, end = col[np.r_[True, apart]], start[np.r_[True, apart]], end[np.r_[apart, True]]
    same = col[1:] == col[:-1]
    above = np.full(len(col), ink.shape[0], dtype=np.int64)
    below = above.copy()
    above[1:][same] = (start[1:] - end[:-1])[same]
    below[:-1][same] = (start[1:] - end[:-1])[same]
    return col, start, end, above, below


def _blobs(ink, col, start, end) -> list[tuple[int, int, int, int]]:
    """Runs (arrays as ``_column_runs`` gives them, a selection of them) grouped into blobs:
    runs in neighbouring columns that overlap are one blob. Each blob's box (left, right, top,
    bottom, inclusive), only when the columns beside it are paper along its rows (a blob cut
    out of a larger stroke is not one)."""
    parent = list(range(len(col)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_column: dict[int, list[int]] = {}
    for i in range(len(col)):
        c = int(col[i])
        by_column.setdefault(c, []).append(i)
        for j in by_column.get(c - 1, ()):
            if start[j] < end[i] and start[i] < end[j]:
                parent[root(i)] = root(j)
    boxes: dict[int, list[int]] = {}
    for i in range(len(col)):
        c, s, e = int(col[i]), int(start[i]), int(end[i]) - 1
        box = boxes.setdefault(root(i), [c, c, s, e])
        box[0], box[1], box[2], box[3] = min(box[0], c), max(box[1], c), min(box[2], s), max(box[3], e)
    width = ink.shape[1]
    return [(left, right, top, bottom) for left, right, top, bottom in boxes.values()
            if not (left > 0 and ink[top:bottom + 1, left - 1].any())
            and not (right + 1 < width and ink[top:bottom + 1, right + 1].any())]


def _commas(ink, h: float, runs) -> list[tuple]:
    """Small marks at the top of a line of text: (left, right, top, bottom, weight) of each
    blob of ink no taller than 0.45 of a line and narrower than it is tall, with paper
    under it for half a line (nothing of a character below: the dot of 主 has its 王) and,
    beside it, the body of a character reaching down to the line's middle (so not a comma
    at a line's foot); weight is where its ink lies, 0 at its top, 1 at its bottom. The two
    commas of a double mark that a blurred scan joined (``_split_pair``) are two commas."""
    col, start, end, _, below = runs
    keep = (end - start <= 0.45 * h) & (below >= 0.5 * h)
    found = []
    height = ink.shape[0]
    for blob in _blobs(ink, col[keep], start[keep], end[keep]):
        left, right, top, bottom = blob
        tall = bottom - top + 1
        if not 0.08 * h <= tall <= 0.45 * h:
            continue
        middle = ink[min(height, top + int(0.45 * h)):min(height, top + int(0.8 * h))]
        span = int(2 * h)
        if not (middle[:, max(0, left - span):left].any() or middle[:, right + 1:right + 1 + span].any()):
            continue
        parts = [blob] if right - left + 1 <= 0.25 * h else _split_pair(ink, blob, h)
        for part in parts:
            comma = _comma(ink, *part)
            if comma and comma[3] - comma[2] + 1 >= 1.1 * (comma[1] - comma[0] + 1):
                found.append(comma)
    return found


def _split_pair(ink, blob: tuple, h: float) -> list[tuple]:
    """A blob up to half a line wide cut in two at a column of its middle third that is paper
    in its upper or its lower half (two commas joined at their feet or their heads); [] when
    there is none."""
    left, right, top, bottom = blob
    if right - left + 1 > 0.5 * h:
        return []
    box = ink[top:bottom + 1, left:right + 1]
    half = box.shape[0] // 2
    third = box.shape[1] // 3
    for c in range(third, box.shape[1] - third):
        if not box[:half, c].any() or not box[half:, c].any():
            return [(left, left + c - 1, top, bottom), (left + c + 1, right, top, bottom)]
    return []


def _comma(ink, left: int, right: int, top: int, bottom: int) -> Optional[tuple]:
    """(left, right, top, bottom, weight) of the ink in a box, trimmed to it; weight is where
    the ink lies, 0 at its top, 1 at its bottom; None for a box without ink."""
    import numpy as np

    rows, cols = np.nonzero(ink[top:bottom + 1, left:right + 1])
    if not len(rows):
        return None
    top, bottom, left, right = top + rows.min(), top + rows.max(), left + cols.min(), left + cols.max()
    weight = float(rows.mean() - rows.min()) / max(1, bottom - top)
    return int(left), int(right), int(top), int(bottom), weight


def _middle_dots(ink, h: float, runs) -> list[_Mark]:
    """Round dots alone in their columns for half a line up and down (a colon's two dots are
    closer; a dot of a character has strokes above or below it): candidates for the middle
    dot · of 12·4 or 学宪法·讲宪法, which Tesseract reads as : or . (``_confirm``), when
    they sit at the middle of the characters beside them (a decimal point sits at their foot)."""
    import numpy as np

    col, start, end, above, below = runs
    keep = (end - start <= 0.2 * h) & (above >= 0.45 * h) & (below >= 0.45 * h)
    dots = []
    for left, right, top, bottom in _blobs(ink, col[keep], start[keep], end[keep]):
        tall, wide = bottom - top + 1, right - left + 1
        if not (0.04 * h <= min(tall, wide) and max(tall, wide) <= 0.2 * h and 0.6 <= tall / wide <= 1.6):
            continue
        if np.count_nonzero(ink[top:bottom + 1, left:right + 1]) < 0.6 * tall * wide:
            continue
        band = _band_beside(ink, left, right, (top + bottom) // 2, h)
        if band and 0.3 <= ((top + bottom) / 2 - band[0]) / max(1, band[1] - band[0]) <= 0.75:
            dots.append(_Mark(left, right, top, bottom, "·"))
    return dots


def _band_beside(ink, left: int, right: int, row: int, h: float) -> Optional[tuple[int, int]]:
    """The rows (first, last) that the characters left and right of columns left..right
    cover around ``row``: the run of inked rows (gaps under a tenth of a line bridged)
    nearest to it, within a line's height up and down; None when there is no ink beside."""
    import numpy as np

    top, bottom = max(0, row - int(h)), min(ink.shape[0], row + int(h) + 1)
    reach = int(0.8 * h)
    beside = np.concatenate((ink[top:bottom, max(0, left - reach):left],
                             ink[top:bottom, right + 1:right + 1 + reach]), axis=1)
    rows = np.flatnonzero(beside.any(axis=1)) + top
    if not len(rows):
        return None
    breaks = np.flatnonzero(np.diff(rows) > 0.1 * h)
    firsts, lasts = np.r_[rows[0], rows[breaks + 1]], np.r_[rows[breaks], rows[-1]]
    distance = np.maximum(0, np.maximum(firsts - row, row - lasts))
    k = int(np.argmin(distance))
    return int(firsts[k]), int(lasts[k])


def _tesseract_hocr(exe: str, png: Path) -> str:
    """Tesseract's hOCR of a page image (lines, words with their confidence, characters with
    their boxes), read with the chi_sim model."""
    result = _run([exe, str(png), "stdout", "-l", "chi_sim", "--psm", "3", "-c", "hocr_char_boxes=1", "hocr"],
                  timeout=OCR_PAGE_TIMEOUT, env=dict(os.environ, OMP_THREAD_LIMIT="1"))
    if result.returncode != 0:
        raise IngestError(f"tesseract failed: {result.stderr.strip()[:200]}")
    return result.stdout


class _Line:
    """A printed line: its edges, the usual top and height of its words (pixels) and its
    words, each a list of characters (text, left, right, top, bottom: a tilted page's line
    is not level)."""
    __slots__ = ("left", "right", "top", "height", "words")

    def __init__(self, left: int, right: int, top: int, height: int, words: list[list[tuple]]):
        self.left, self.right, self.top, self.height, self.words = left, right, top, height, words

    @property
    def text(self) -> str:
        """The words joined without spaces, as Chinese is written (a space between Latin words)."""
        return join_text(["".join(c[0] for c in w) for w in self.words if w])


_BBOX = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")
_CHAR_BOX = re.compile(r"x_bboxes (\d+) (\d+) (\d+) (\d+)")
_WORD_CONFIDENCE = re.compile(r"x_wconf (\d+)")


def _hocr_lines(hocr: str) -> tuple[list[_Line], float]:
    """The printed lines of a page from Tesseract's hOCR, top to bottom, and the mean
    confidence of its words. Tesseract may cut one printed line in two (at a gap): pieces
    whose middles are within half a line of each other are one line, read left to right."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(hocr.encode("utf-8"))
    except ET.ParseError as e:
        raise IngestError(f"tesseract wrote unreadable hOCR ({e})") from None
    pieces, confidences = [], []
    for line in root.iter():
        if line.get("class") not in ("ocr_line", "ocr_caption", "ocr_header", "ocr_textfloat"):
            continue
        words = []
        for word in line.iter():
            if word.get("class") != "ocrx_word":
                continue
            text = "".join(word.itertext()).strip()
            box = _BBOX.search(word.get("title", ""))
            if not text or box is None:
                continue
            left, top, right, bottom = map(int, box.groups())
            chars = [(c.text or "", *_char_box(c, box.groups()))
                     for c in word.iter() if c.get("class") == "ocrx_cinfo"]
            chars = [c for c in chars if c[0].strip()]
            if not chars:                            # no character boxes: spread the word over its box
                step = (right - left) / len(text)
                chars = [(ch, int(left + i * step), int(left + (i + 1) * step), top, bottom)
                         for i, ch in enumerate(text)]
            words.append((left, right, top, bottom - top, chars))
            confidence = _WORD_CONFIDENCE.search(word.get("title", ""))
            confidences.append(float(confidence.group(1)) if confidence else 0.0)
        if words:
            pieces.append(words)
    pieces.sort(key=lambda ws: (min(w[2] + w[3] / 2 for w in ws), min(w[0] for w in ws)))
    rows: list[list] = []
    for ws in pieces:
        middle = sorted(w[2] + w[3] / 2 for w in ws)[len(ws) // 2]
        height = sorted(w[3] for w in ws)[len(ws) // 2]
        if rows and abs(rows[-1][0] - middle) < height / 2:
            rows[-1][1].extend(ws)
        else:
            rows.append([middle, list(ws)])
    lines = []
    for _, ws in rows:
        ws.sort(key=lambda w: w[0])
        lines.append(_Line(ws[0][0], max(w[1] for w in ws), sorted(w[2] for w in ws)[len(ws) // 2],
                           sorted(w[3] for w in ws)[len(ws) // 2], [w[4] for w in ws]))
    return lines, (sum(confidences) / len(confidences) if confidences else 0.0)


def _char_box(element, word_box: tuple) -> tuple[int, int, int, int]:
    """The left and right edges, top and bottom of an hOCR character (``ocrx_cinfo``); its
    word's box (left, top, right, bottom) when it has none."""
    box = _CHAR_BOX.search(element.get("title", ""))
    left, top, right, bottom = map(int, (box.groups() if box else word_box))
    return left, right, top, bottom


def _put_back(marks: list[_Mark], lines: list[_Line]) -> None:
    """Put each quotation mark taken out of the page image into the line it was printed in
    (``_line_of``), between the characters left and right of it (``_insert``)."""
    for mark in marks:
        line = _line_of(mark, lines)
        if line is not None:
            _insert(line, (mark.char, mark.left, mark.right, mark.top, mark.bottom))


def _line_of(mark: _Mark, lines: list[_Line]) -> Optional[_Line]:
    """The line a mark was printed in: the one whose characters nearby (within three lines'
    heights) have their tops closest to the mark's, within 3/4 of a line (the tops of the
    characters there, not of the whole line: a tilted page's lines are not level)."""
    centre = (mark.left + mark.right) / 2
    best, best_distance = None, None
    for line in lines:
        tops = sorted(c[3] for word in line.words for c in word
                      if abs((c[1] + c[2]) / 2 - centre) <= 3 * line.height)
        if tops:
            distance = abs(tops[len(tops) // 2] - mark.top)
            if distance <= 0.75 * line.height and (best_distance is None or distance < best_distance):
                best, best_distance = line, distance
    return best


def _insert(line: _Line, char: tuple) -> None:
    """Put ``char`` (text, left, right, top, bottom) into ``line`` where the fewest of the
    line's characters fall on the wrong side of its middle."""
    centre = (char[1] + char[2]) / 2
    places = [(w, i) for w, word in enumerate(line.words) for i in range(len(word))]
    after = [(c[1] + c[2]) / 2 > centre for word in line.words for c in word]
    # the mark before place k: the characters before k right of it and those from k on left of it are wrong
    best, best_cost = len(places), sum(after)
    cost = best_cost
    for k in range(len(places) - 1, -1, -1):
        cost += 1 if not after[k] else -1
        if cost < best_cost or (cost == best_cost and k < best):
            best, best_cost = k, cost
    if best == len(places):
        line.words.append([char])
    else:
        w, i = places[best]
        word = line.words[w]
        line.words[w:w + 1] = [part for part in (word[:i], [char], word[i:]) if part]


_DOT_READINGS = frozenset(":：.．·•∙-'`")         # what Tesseract makes of a middle dot
_SINGLE_READINGS = frozenset("'‘’`,，\"“”")        # and of a single quotation mark


def _confirm(marks: list[_Mark], lines: list[_Line], readings: frozenset) -> None:
    """Marks found in the image but left in it (single quotation marks, middle dots: a
    character's dot looks the same) replace what Tesseract read there when that is one of
    ``readings``: the nearest such character, within 0.6 of a line, of the mark's line
    (``_line_of``). 12:4 → 12·4 and 枫桥经验, → 枫桥经验’; a mark read as part of a
    character, or not at all, stays as read."""
    for mark in marks:
        line = _line_of(mark, lines)
        if line is None:
            continue
        centre = (mark.left + mark.right) / 2
        near = [(abs((c[1] + c[2]) / 2 - centre), w, i) for w, word in enumerate(line.words)
                for i, c in enumerate(word) if c[0] in readings]
        near = [n for n in near if n[0] <= 0.6 * line.height]
        if near:
            _, w, i = min(near)
            line.words[w][i] = (mark.char,) + tuple(line.words[w][i][1:])


def _paragraphs(pages: list[list[_Line]]) -> list[str]:
    """Each page's paragraphs, one per line, from the lines' geometry: a line continues the
    one before it when that one reaches the right margin (it was broken by the page width)
    and this one is not indented and does not start a heading; a paragraph broken by the
    page end continues on the next page the same way (it is added to the page it starts on).
    The margins are those of the lines around each line (``_margins``): a tilted page's
    margins are not straight."""
    out: list[list[str]] = []
    open_paragraph = False           # the last line so far reached the margin: may continue
    for lines in pages:
        page: list[str] = []
        out.append(page)
        if not lines:
            open_paragraph = False
            continue
        char = sorted(ln.height for ln in lines)[len(lines) // 2] or 1
        for k, ln in enumerate(lines):
            margin_left, margin_right = _margins(lines, k)
            indented = ln.left > margin_left + 1.5 * char        # a paragraph's first line: 2 characters in
            # a centred line after a full one continues it: a title on two lines (a line
            # reaching the right margin is an indented first line, not a centred one)
            centred = (indented and margin_right - ln.right > char
                       and abs((ln.left - margin_left) - (margin_right - ln.right)) < 2 * char)
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


def _margins(lines: list[_Line], k: int, reach: int = 4) -> tuple[int, int]:
    """The left and right margins at line ``k``: the leftmost left edge and the second
    rightmost right edge (one line may stick out) of the lines up to ``reach`` above and
    below it."""
    near = lines[max(0, k - reach):k + reach + 1]
    rights = sorted(ln.right for ln in near)
    return min(ln.left for ln in near), rights[-2] if len(rights) > 2 else rights[-1]


_OPENING_BEFORE_PUNCTUATION = re.compile(r"([“‘])([,，.。、;；:：!！?？])")
_SINGLES_AS_DOUBLE = re.compile(r"['‘’`]{2}")
_QUOTE_PAIRS = {'"': "“”", "'": "‘’"}


def _pair_quotes(text: str) -> str:
    """The quotation marks of an OCR'd paragraph made whole. Two single marks side by side
    are Tesseract's reading of one double mark. Marks open and close in turn (Chinese nests
    ‘’ inside “”, never “” inside “”), so each kind gets the labels that alternate best
    while agreeing best with the marks as read (``_alternate``): an undecided mark (``"``,
    ``'``) takes the one its place calls for, a mark read the wrong way round is turned
    (”多证合一” → “多证合一”), a mark that is missing does not turn all the others. Last, an
    opening mark placed before a comma or a full stop (Tesseract's character boxes are
    approximate) goes after it: no quotation opens on punctuation."""
    text = _SINGLES_AS_DOUBLE.sub('"', text)
    chars = list(text)
    for undecided, (opening, closing) in _QUOTE_PAIRS.items():
        places = [i for i, ch in enumerate(chars) if ch in (undecided, opening, closing)]
        read = [True if chars[i] == opening else False if chars[i] == closing else None for i in places]
        for i, is_opening in zip(places, _alternate(read)):
            chars[i] = opening if is_opening else closing
    return _OPENING_BEFORE_PUNCTUATION.sub(r"\2\1", "".join(chars))


_TURNED = 0.6          # the cost of labelling a mark against its reading
_UNPAIRED = 1.0        # the cost of a mark that opens inside a quotation or closes outside one


def _alternate(read: list) -> list[bool]:
    """Opening (True) or closing (False) for each of a paragraph's marks of one kind, read
    as opening, closing or None (undecided): the labels of least cost (a Viterbi pass over
    two states, outside and inside a quotation), where a label against the reading costs
    _TURNED and a mark that breaks the alternation (an opening inside, a closing outside,
    a quotation left open at the end) costs _UNPAIRED."""
    if not read:
        return []
    inf = float("inf")
    cost = [0.0, inf]                          # outside, inside
    back: list[list[tuple[int, bool]]] = []
    for r in read:
        new, step = [inf, inf], [(0, False), (0, False)]
        for state in (0, 1):
            if cost[state] == inf:
                continue
            for label in (True, False):
                c = cost[state] + (_TURNED if r is not None and r != label else 0.0)
                c += _UNPAIRED if (label and state == 1) or (not label and state == 0) else 0.0
                target = 1 if label else 0
                if c < new[target]:
                    new[target], step[target] = c, (state, label)
        cost = new
        back.append(step)
    state = 0 if cost[0] <= cost[1] + _UNPAIRED else 1
    labels = []
    for step in reversed(back):
        previous, label = step[state]
        labels.append(label)
        state = previous
    return labels[::-1]


_TESSDATA_COMPONENTS_LSTM_UNICHARSET = 21     # tessdatamanager.h: TESSDATA_LSTM_UNICHARSET
_TESSDATA_COMPONENTS_UNICHARSET = 1           # the legacy engine's, in older files


@lru_cache(maxsize=4)
def _model_characters(exe: str) -> frozenset:
    """The characters Tesseract's chi_sim model can write (the unicharset in its
    ``chi_sim.traineddata``: a count, then a table of component offsets, then the
    components); empty when the file cannot be found or read. About 4,000 characters:
    rarer ones (濉 of 濉溪县) come out as a look-alike."""
    import struct

    try:
        listing = _run([exe, "--list-langs"], timeout=20)
    except IngestError:
        return frozenset()
    folder = re.search(r'"([^"]+)"', listing.stdout + listing.stderr)
    try:
        data = (Path(folder.group(1)) / "chi_sim.traineddata").read_bytes() if folder else b""
        count = struct.unpack_from("<i", data, 0)[0]
        offsets = struct.unpack_from(f"<{count}q", data, 4)
    except (OSError, struct.error):
        return frozenset()
    for component in (_TESSDATA_COMPONENTS_LSTM_UNICHARSET, _TESSDATA_COMPONENTS_UNICHARSET):
        if component < count and offsets[component] > 0:
            start = offsets[component]
            end = min([o for o in offsets if o > start] + [len(data)])
            lines = data[start:end].decode("utf-8", "replace").splitlines()[1:]
            return frozenset(line.split(" ", 1)[0] for line in lines if line)
    return frozenset()


_PLACE_SUFFIXES = "县市区旗盟州"
_PLACE_END = re.compile(f"(?<=[\u4e00-\u9fff])[{_PLACE_SUFFIXES}]")


@lru_cache(maxsize=4)
def _unwritable_places(known: frozenset) -> dict[str, str]:
    """Division names (濉溪县) with one character the OCR model cannot write, by their
    pattern with that character as ``?`` (?溪县), when no other division has the pattern."""
    from ..metadata import region_table

    found: dict[str, set] = {}
    for name in region_table().full:
        if len(name) < 3 or name[-1] not in _PLACE_SUFFIXES:
            continue
        missing = [i for i, ch in enumerate(name[:-1]) if "\u4e00" <= ch <= "\u9fff" and ch not in known]
        if len(missing) == 1:
            i = missing[0]
            found.setdefault(name[:i] + "?" + name[i + 1:], set()).add(name)
    return {pattern: names.pop() for pattern, names in found.items() if len(names) == 1}


def restore_place_names(pages: list[str], known: frozenset) -> list[str]:
    """OCR'd pages with misread division names put right, everywhere in the document: a name
    with a character the model cannot write (``_unwritable_fixes``: 潍溪县 → 濉溪县, 数字潍溪 →
    数字濉溪), and a county or city misread right after the name of its city or province
    (``_misread_children``: 西安市夸湖区 → 西安市莲湖区). ``known`` is the model's character set
    (``_model_characters``); nothing changes without it."""
    if not known:
        return pages
    from ..metadata import region_table

    names = region_table()
    whole = "\n".join(pages)
    fixes = {**_misread_children(whole, names), **_unwritable_fixes(whole, names, known)}
    if not fixes:
        return pages
    pattern = re.compile("|".join(sorted(map(re.escape, fixes), key=len, reverse=True)))
    return [pattern.sub(lambda m: fixes[m.group(0)], text) for text in pages]


def _is_cjk(text: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in text)


def _unwritable_fixes(text: str, names, known: frozenset) -> dict[str, str]:
    """{misread: division} for the names in ``text`` that are no division but one character
    away from the only division with a character outside ``known`` in that place (潍溪县:
    the model has no 濉 of 濉溪县), when ``text`` also names its province or city (安徽); and
    the same for the short form (潍溪 → 濉溪)."""
    from ..metadata import _short

    patterns = _unwritable_places(known)
    fixes: dict[str, str] = {}
    for end in _PLACE_END.finditer(text):
        stop = end.end()
        for length in range(3, 9):
            read = text[stop - length:stop]
            if len(read) < length or not _is_cjk(read):
                break
            if read in names.full:
                continue
            for i in range(length - 1):
                name = patterns.get(read[:i] + "?" + read[i + 1:]) if read[i] in known else None
                if name and _parent_named(names, name, text):
                    fixes[read] = name
                    short_read = _short(read)
                    if short_read != read and short_read not in names.short and short_read not in names.full:
                        fixes.setdefault(short_read, _short(name))
    return fixes


def _misread_children(text: str, names) -> dict[str, str]:
    """{misread: division} for a name right after a province's or a city's name (西安市夸湖区)
    that is no division but one character away from exactly one division of that province
    or city (莲湖区)."""
    fixes: dict[str, str] = {}
    for offset, name, codes in names.mentions(text):
        children = [child for code in codes if names.level(code) != "county" for child in _children(names, code)]
        stop = offset + len(name)
        for length in range(3, 9):
            read = text[stop:stop + length]
            if len(read) < length or not _is_cjk(read):
                break
            if read[-1] not in _PLACE_SUFFIXES or read in names.full:
                continue
            near = {child for child in children if len(child) == length
                    and sum(a != b for a, b in zip(child, read)) == 1 and child[-1] == read[-1]}
            if len(near) == 1:
                fixes[read] = near.pop()
                break
    return fixes


@lru_cache(maxsize=4096)
def _children(names, code: str) -> tuple[str, ...]:
    """The names of the divisions under a province's or a city's ``code``."""
    prefix = code[:2] if code.endswith("0000") else code[:4]
    return tuple(name for c, name in names.names.items() if c != code and c.startswith(prefix))


def _parent_named(names, name: str, text: str) -> bool:
    """Whether ``text`` names the province or city of division ``name`` (full or short name)."""
    from ..metadata import _short

    for code in names.full.get(name, ()):
        for parent in names.chain(code)[:-1]:
            full = names.names[parent]
            if full in text or (len(_short(full)) >= 2 and _short(full) in text):
                return True
    return False
