"""tbfiles.py — small, valid and broken files for the materials tests,
made by hand so that every byte is known: a PDF (optionally a page that
shows a JPEG, as a scan does), a PNG (zlib by hand, any chunk order), a
zip. The checked-in fixtures of tests/api/fixtures were made with these
(photo.jpg once with libjpeg-turbo, 96x64, quality 75).
"""
import io
import os
import struct
import zipfile
import zlib

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "fixtures")


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def pdf(text="TONGBAN", jpeg=None, width=96, height=64):
    """A one-page PDF 1.4 with a correct cross-reference table: a line of
    text, or the JPEG drawn over the page (a scan)."""
    if jpeg:
        content = b"q 595 0 0 842 0 0 cm /Im1 Do Q"
        res = b"<< /XObject << /Im1 5 0 R >> >>"
        extra = (b"<< /Type /XObject /Subtype /Image /Width %d /Height %d "
                 b"/ColorSpace /DeviceRGB /BitsPerComponent 8 "
                 b"/Filter /DCTDecode /Length %d >>\nstream\n" %
                 (width, height, len(jpeg)) + jpeg + b"\nendstream")
    else:
        content = b"BT /F1 24 Tf 72 720 Td (" + text.encode() + b") Tj ET"
        res = b"<< /Font << /F1 5 0 R >> >>"
        extra = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Contents 4 0 R /Resources " + res + b" >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content +
            b"\nendstream",
            extra]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objs) + 1, xref))
    return out


def _chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data +
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png(width=32, height=24, pixels=None, colour=2, compressed=None):
    """An 8-bit PNG (colour 2: RGB, 0: grey). pixels: the raw rows
    (filter bytes included), by default a gradient; compressed: the IDAT
    data as given (to declare a size the data does not have)."""
    per = 3 if colour == 2 else 1
    if pixels is None and compressed is None:
        pixels = b"".join(
            b"\x00" + bytes((x * 7 + y * 3) & 255 for x in range(width * per))
            for y in range(height))
    idat = compressed if compressed is not None else zlib.compress(pixels, 9)
    return (b"\x89PNG\r\n\x1a\n" +
            _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour,
                                        0, 0, 0)) +
            _chunk(b"IDAT", idat) + _chunk(b"IEND", b""))


def noise_png(side):
    """An RGB PNG of random pixels: as large compressed as raw."""
    rows = b"".join(b"\x00" + os.urandom(side * 3) for _ in range(side))
    return png(side, side, rows)


def zip_file():
    """A zip archive with one member."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("report.txt", "not a scan")
    return buf.getvalue()
