"""Small PDF and DOCX files for tests, made in code (no fonts needed: the PDF's text is in a
Type0 font with Identity-H encoding and a ToUnicode map, which is all a text extractor reads)."""
from __future__ import annotations

import io
import zlib


def make_pdf(pages: list[list[str]], image_pages: int = 0, compress: bool = True) -> bytes:
    """A PDF with one page per list of lines (each line drawn at its own height), then
    ``image_pages`` pages that hold only an image (what a scan looks like)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    used = sorted({ord(ch) for page in pages for line in page for ch in line if ord(ch) < 0x10000})
    bfchar = b"".join(b"<%04X> <%04X>\n" % (c, c) for c in used)
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            + b"%d beginbfchar\n" % len(used) + bfchar + b"endbfchar\nendcmap CMapName currentdict /CMap "
            b"defineresource pop end end")
    tounicode = add(_stream(cmap, compress))
    descriptor = add(b"<< /Type /FontDescriptor /FontName /TestSong /Flags 4 /FontBBox [0 -200 1000 900] "
                     b"/ItalicAngle 0 /Ascent 900 /Descent -200 /CapHeight 700 /StemV 80 >>")
    cidfont = add(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /TestSong /CIDSystemInfo << /Registry (Adobe) "
                  b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 "
                  b"/CIDToGIDMap /Identity >>" % descriptor)
    font = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /TestSong /Encoding /Identity-H "
               b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cidfont, tounicode))
    image = add(b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray "
                b"/BitsPerComponent 8 /Length 4 >>\nstream\n\x00\xff\xff\x00\nendstream")
    page_ids = []
    pages_id = len(objects) + 1 + 2 * (len(pages) + image_pages)      # the /Pages object comes last
    for lines in pages:
        ops = []
        for i, line in enumerate(lines):
            hexed = "".join(f"{ord(ch):04X}" for ch in line if ord(ch) < 0x10000)
            ops.append(f"BT /F1 10 Tf 50 {800 - 14 * i} Td <{hexed}> Tj ET")
        content = add(_stream("\n".join(ops).encode("ascii"), compress))
        page_ids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, content, font)))
    for _ in range(image_pages):
        content = add(_stream(b"q 500 0 0 700 40 60 cm /Im1 Do Q", compress))
        page_ids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                            b"/Resources << /XObject << /Im1 %d 0 R >> >> >>" % (pages_id, content, image)))
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))) == pages_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    return pdf_file(objects, catalog)


def pdf_file(objects: list[bytes], catalog: int) -> bytes:
    """A PDF file of numbered ``objects`` (object n is ``objects[n - 1]``) with its
    cross-reference table and trailer; ``catalog`` is the number of the catalog object."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref))
    return out.getvalue()


def _stream(data: bytes, compress: bool) -> bytes:
    if compress:
        data = zlib.compress(data)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def encrypt_pdf(data: bytes, password: str = "secret") -> bytes:
    """``data`` encrypted with a user password (RC4-128: needs no crypto library)."""
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(paragraphs: list[tuple[str, str]], table: list[list[str]] | None = None) -> bytes:
    """A .docx of (style, text) paragraphs ("" for Normal), optionally a table at the end."""
    import docx
    document = docx.Document()
    for style, text in paragraphs:
        document.add_paragraph(text, style=style or None)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
