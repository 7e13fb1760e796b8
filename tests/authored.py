"""Real office documents for tests, written the way a report's author would write them.

``authored(text, fmt, out_dir)`` lays out the clean text of a report as a Flat ODT document
(XML written here, no templates): the first non-empty line is the title (centred, 22 pt bold),
every further non-empty line is a paragraph (blank lines only separate them), and lines such
as ``一、…``, ``（一）…``/``(一)…`` and ``1.…``/``1、…``/``（1）…`` are headings, levels 1-3 (bold,
using the Heading 1/2/3 paragraph styles, or body paragraphs in direct bold with
``heading_styles=False``). A heading line longer than 40 characters is a body paragraph whose
lead-in sentence is bold, as in most government reports. Body text is 16 pt, justified, with
a two-character first-line indent, on A4 (left margin 2.8 cm, right 2.6 cm). The only CJK
font here is WenQuanYi Zen Hei, so it stands in for 仿宋/黑体/小标宋; digits and Latin
letters are in DejaVu Serif, as Word and WPS set them in Times New Roman. ``header`` puts a
running header on every page, ``page_numbers`` a footer 第 N 页 共 M 页 (page-number and
page-count fields), ``columns=2`` a two-column page. LibreOffice then converts the document
to ``fmt``: pdf, docx, doc, odt, rtf or html ("wps" is the .doc binary renamed: WPS writes
the same format). Each call uses its own LibreOffice profile, so parallel calls do not
collide; a failed or hung conversion (120 s) raises RuntimeError.

``scanned(pdf, out)`` renders each page of a PDF to a greyscale image (pypdfium2), adds faint
noise and a small tilt, and saves the images as an image-only PDF (Pillow): a scan, with no
text layer; ``grainy=True`` makes it as another scanner would (grain, dust, uneven light, a
tilt of about a degree, JPEG pages).

``SOFFICE`` is the soffice path (None when LibreOffice is missing: tests should skip) and
``TESSERACT_CHI_SIM`` tells whether Tesseract with simplified-Chinese data is installed.
"""
from __future__ import annotations

import random
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional
from xml.sax.saxutils import escape

SOFFICE: Optional[str] = shutil.which("soffice")


def _has_chi_sim() -> bool:
    exe = shutil.which("tesseract")
    if not exe:
        return False
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return "chi_sim" in (out.stdout + out.stderr).split()


TESSERACT_CHI_SIM: bool = _has_chi_sim()

FORMATS = ("pdf", "docx", "doc", "odt", "rtf", "html", "wps")
_FILTERS = {"pdf": "pdf:writer_pdf_Export", "docx": "docx:MS Word 2007 XML", "doc": "doc:MS Word 97",
            "odt": "odt", "rtf": "rtf:Rich Text Format", "html": "html:HTML (StarWriter)"}
FONT = "WenQuanYi Zen Hei"      # stands in for 仿宋/黑体/小标宋 (Chinese text)
LATIN_FONT = "DejaVu Serif"     # stands in for Times New Roman (digits and Latin letters)
_HEADING = [(1, re.compile(r"^[一二三四五六七八九十百]+、")),
            (2, re.compile(r"^[（(][一二三四五六七八九十百]+[）)]")),
            (3, re.compile(r"^(\d{1,2}[.、．](?!\d)|[（(]\d{1,2}[）)])"))]
MAX_HEADING = 40


def heading_level(line: str) -> Optional[int]:
    """1, 2 or 3 when ``line`` starts like a numbered heading (一、 （一） 1.), else None."""
    for level, pattern in _HEADING:
        if pattern.match(line):
            return level
    return None


def authored(text: str, fmt: str, out_dir: Path, *, name: str = "report", header: Optional[str] = None,
             page_numbers: bool = False, columns: int = 1, heading_styles: bool = True) -> Path:
    """Write ``text`` as a ``fmt`` document ``out_dir/name.fmt`` and return its path."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if SOFFICE is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = "doc" if fmt == "wps" else fmt
    xml = _fodt(text, header=header, page_numbers=page_numbers, columns=columns, heading_styles=heading_styles)
    with tempfile.TemporaryDirectory(prefix="authored-") as tmp:
        work = Path(tmp)
        source = work / f"{name}.fodt"
        source.write_text(xml, encoding="utf-8")
        converted = _convert(source, target, work)
        dest = out_dir / f"{name}.{fmt}"
        shutil.move(str(converted), dest)
    return dest


def _convert(source: Path, target: str, work: Path) -> Path:
    profile = work / "profile"
    outdir = work / "out"
    cmd = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", _FILTERS[target], "--outdir", str(outdir), str(source)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"soffice did not convert {source.name} to {target} within 120 s") from None
    result = outdir / f"{source.stem}.{target}"
    if proc.returncode != 0 or not result.is_file() or result.stat().st_size == 0:
        raise RuntimeError(f"soffice failed to convert {source.name} to {target} (exit {proc.returncode}): "
                           f"{(proc.stderr or proc.stdout).strip()[:500]}")
    return result


def _paragraphs(text: str) -> tuple[str, list[str]]:
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise ValueError("no text to write")
    return lines[0], lines[1:]


def _body_xml(lines: list[str], heading_styles: bool) -> str:
    out = []
    for line in lines:
        level = heading_level(line)
        if level and len(line) <= MAX_HEADING:
            if heading_styles:
                out.append(f'<text:h text:style-name="Heading_20_{level}" text:outline-level="{level}">'
                           f'{escape(line)}</text:h>')
            else:
                out.append(f'<text:p text:style-name="Body"><text:span text:style-name="T1">{escape(line)}'
                           '</text:span></text:p>')
        elif level:
            lead = re.match(r"^[^。：:；;]{1,40}[。：:；;]", line)
            cut = lead.end() if lead else 0
            out.append(f'<text:p text:style-name="Body"><text:span text:style-name="T1">'
                       f'{escape(line[:cut])}</text:span>{escape(line[cut:])}</text:p>')
        else:
            out.append(f'<text:p text:style-name="Body">{escape(line)}</text:p>')
    return "\n".join(out)


def _fodt(text: str, *, header: Optional[str], page_numbers: bool, columns: int, heading_styles: bool) -> str:
    title, lines = _paragraphs(text)
    columns = max(1, int(columns))
    column_xml = (f'<style:columns fo:column-count="{columns}" fo:column-gap="0.8cm"/>' if columns > 1 else "")
    header_xml = (f'<style:header><text:p text:style-name="HeaderP">{escape(header)}</text:p></style:header>'
                  if header else "")
    footer_xml = ('<style:footer><text:p text:style-name="FooterP">第 <text:page-number text:select-page="current">'
                  '1</text:page-number> 页 共 <text:page-count>1</text:page-count> 页</text:p></style:footer>'
                  if page_numbers else "")
    hf_props = '<style:header-footer-properties fo:min-height="0.6cm" fo:margin-bottom="0.3cm" fo:margin-top="0.3cm"/>'
    font = f'style:font-name="{LATIN_FONT}" style:font-name-asian="{FONT}" style:font-name-complex="{LATIN_FONT}"'

    def size(pt: float) -> str:
        return f'fo:font-size="{pt}pt" style:font-size-asian="{pt}pt" style:font-size-complex="{pt}pt"'

    bold = 'fo:font-weight="bold" style:font-weight-asian="bold" style:font-weight-complex="bold"'
    heading_sizes = {1: 16, 2: 16, 3: 16}
    heading_styles_xml = "\n".join(
        f'<style:style style:name="Heading_20_{n}" style:display-name="Heading {n}" style:family="paragraph" '
        f'style:parent-style-name="Standard" style:next-style-name="Body" style:default-outline-level="{n}" '
        f'style:class="text"><style:paragraph-properties fo:margin-top="0.2cm" fo:margin-bottom="0.1cm" '
        f'fo:text-indent="0.45in" fo:keep-with-next="always"/>'
        f'<style:text-properties {size(heading_sizes[n])} {bold}/></style:style>' for n in (1, 2, 3))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:meta><dc:title>{escape(title)}</dc:title><dc:language>zh-CN</dc:language></office:meta>
<office:font-face-decls>
<style:font-face style:name="{FONT}" svg:font-family="'{FONT}'" style:font-pitch="variable"/>
<style:font-face style:name="{LATIN_FONT}" svg:font-family="'{LATIN_FONT}'" style:font-family-generic="roman" style:font-pitch="variable"/>
</office:font-face-decls>
<office:styles>
<style:default-style style:family="paragraph">
<style:paragraph-properties style:writing-mode="lr-tb"/>
<style:text-properties {font} {size(16)} fo:language="zh" fo:country="CN" style:language-asian="zh" style:country-asian="CN"/>
</style:default-style>
<style:style style:name="Standard" style:family="paragraph" style:class="text"/>
<style:style style:name="Body" style:display-name="Body Text" style:family="paragraph" style:parent-style-name="Standard" style:class="text">
<style:paragraph-properties fo:text-align="justify" fo:text-indent="0.45in" fo:line-height="150%"/>
</style:style>
<style:style style:name="Title" style:family="paragraph" style:parent-style-name="Standard" style:next-style-name="Body" style:class="chapter">
<style:paragraph-properties fo:text-align="center" fo:margin-top="0.4cm" fo:margin-bottom="0.6cm"/>
<style:text-properties {size(22)} {bold}/>
</style:style>
{heading_styles_xml}
<style:style style:name="HeaderP" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
<style:paragraph-properties fo:text-align="center"/><style:text-properties {size(10.5)}/>
</style:style>
<style:style style:name="FooterP" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
<style:paragraph-properties fo:text-align="center"/><style:text-properties {size(10.5)}/>
</style:style>
</office:styles>
<office:automatic-styles>
<style:style style:name="T1" style:family="text"><style:text-properties {bold}/></style:style>
<style:page-layout style:name="A4">
<style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" style:print-orientation="portrait"
 fo:margin-top="2.5cm" fo:margin-bottom="2.5cm" fo:margin-left="2.8cm" fo:margin-right="2.6cm">{column_xml}</style:page-layout-properties>
<style:header-style>{hf_props}</style:header-style>
<style:footer-style>{hf_props}</style:footer-style>
</style:page-layout>
</office:automatic-styles>
<office:master-styles>
<style:master-page style:name="Standard" style:page-layout-name="A4">{header_xml}{footer_xml}</style:master-page>
</office:master-styles>
<office:body><office:text>
<text:p text:style-name="Title">{escape(title)}</text:p>
{_body_xml(lines, heading_styles)}
</office:text></office:body>
</office:document>
"""


def scanned(pdf: Path, out: Path, dpi: int = 200, grainy: bool = False) -> Path:
    """Render every page of ``pdf`` at ``dpi`` and save the images as an image-only PDF ``out``:
    faint paper speckles, a tilt of up to 0.5 degree and a slight blur; or, ``grainy``, as
    another scanner makes them: grey grain, dust, uneven lighting, a tilt of 0.8-1.2
    degree, JPEG pages. The noise is the same for the same file (a scan test never flakes)."""
    import pypdfium2 as pdfium

    rng = random.Random(("grainy" if grainy else "") + Path(pdf).name)
    pages = []
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for page in doc:
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            pages.append(_grainy(image, rng) if grainy else _speckled(image, rng))
            page.close()
    finally:
        doc.close()
    if not pages:
        raise ValueError(f"{pdf} has no pages")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    pages[0].save(out, "PDF", resolution=float(dpi), save_all=True, append_images=pages[1:])
    return out


def _speckled(image, rng: random.Random):
    """A page on paper with faint speckles, tilted up to 0.5 degree, slightly blurred."""
    from PIL import Image, ImageFilter

    import numpy as np

    speckle = np.random.default_rng(rng.randrange(2 ** 32)).random((image.size[1], image.size[0]))
    paper = Image.fromarray(np.where(speckle < 0.2, 236, 247).astype(np.uint8), "L")
    image = Image.composite(image, paper, image.point(lambda v: 255 if v < 245 else 0))
    image = image.rotate(rng.uniform(-0.5, 0.5), resample=Image.BICUBIC, fillcolor=247)
    return image.filter(ImageFilter.SMOOTH)


def _grainy(image, rng: random.Random):
    """A page lit unevenly (paper 235 to 245 from left to right), with grey grain and dark
    dust, tilted 0.8-1.2 degree either way, saved as a JPEG of quality 70."""
    import io

    from PIL import Image

    import numpy as np

    noise = np.random.default_rng(rng.randrange(2 ** 32))
    grey = np.asarray(image, dtype=np.float32)
    paper = 235 + 10 * np.linspace(0, 1, grey.shape[1])[None, :]
    grey = grey / 255.0 * paper + noise.normal(0, 9, grey.shape)
    grey[noise.random(grey.shape) < 0.002] -= 90
    tilted = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8), "L").rotate(
        rng.choice((-1, 1)) * rng.uniform(0.8, 1.2), resample=Image.BICUBIC, fillcolor=240)
    jpeg = io.BytesIO()
    tilted.save(jpeg, "JPEG", quality=70)
    return Image.open(io.BytesIO(jpeg.getvalue()))
