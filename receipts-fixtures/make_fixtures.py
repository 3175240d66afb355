#!/usr/bin/env python3
"""Regenerates the receipt fixtures in this folder (see README.md for what each must produce).

    pip install Pillow piexif segno      # Pillow 13, piexif 1.1, segno 1.6 were used
    apt-get install fonts-wqy-microhei   # optional: Chinese text; ASCII text without it
    python3 receipts-fixtures/make_fixtures.py

Deterministic: a fixed random seed, no timestamps (Pillow and piexif write none of their own).
"""

import io
import os
import random
import struct
import zlib

import piexif
import segno
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
CJK_FONTS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
]
TRADITIONAL_QR = "01,10,011001605111,80100798,64.9,20161018,85342965681116380258"
E_INVOICE_QR = "01,32,,25442000000012341234,666.00,20250208,,A6A1"
PLAIN_QR = "https://ledger.example.cn/v/331022001201/2024/0042"


def font_path():
    return next((p for p in CJK_FONTS if os.path.exists(p)), None)


FONT = font_path()


def font(size):
    return ImageFont.truetype(FONT, size) if FONT else ImageFont.load_default(size)


def text(zh, en):
    return zh if FONT else en


def out(name):
    return os.path.join(HERE, name)


def qr_image(payload, px):
    """A QR code as a grey image about `px` pixels wide (error correction M, 4-module border)."""
    qr = segno.make_qr(payload, error="m", boost_error=False)
    modules = qr.symbol_size(scale=1, border=4)[0]
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=max(1, px // modules), border=4)
    return Image.open(io.BytesIO(buf.getvalue())).convert("L")


def draw_receipt(size, lines, title, qr=None, qr_px=0, seed=0):
    """A paper receipt: title, ruled lines of text, an optional QR in the top-right corner."""
    w, h = size
    rng = random.Random(seed)
    paper = Image.new("RGB", size, (250, 248, 240))
    d = ImageDraw.Draw(paper)
    d.rectangle([w * 0.04, h * 0.04, w * 0.96, h * 0.96], outline=(150, 40, 40), width=max(2, w // 300))
    d.text((w * 0.08, h * 0.07), title, font=font(w // 16), fill=(150, 30, 30))
    y = h * 0.22
    for line in lines:
        d.text((w * 0.08, y), line, font=font(w // 26), fill=(25, 25, 60))
        d.line([w * 0.08, y + w // 22, w * 0.92, y + w // 22], fill=(180, 180, 180), width=1)
        y += h * 0.075
    # a red seal, as on every village receipt
    cx, cy, r = w * 0.72, h * 0.78, w * 0.11
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(210, 40, 40), width=max(3, w // 150))
    d.text((cx - r * 0.6, cy - r * 0.2), text("财务专用章", "PAID"), font=font(int(r * 0.3)), fill=(210, 40, 40))
    if qr is not None:
        code = qr_image(qr, qr_px).convert("RGB")
        paper.paste(code, (int(w * 0.92) - code.width, int(h * 0.06)))
    # faint paper texture
    px = paper.load()
    for _ in range(w * h // 200):
        x, yy = rng.randrange(w), rng.randrange(h)
        v = px[x, yy]
        px[x, yy] = tuple(max(0, c - 12) for c in v)
    return paper


LABOUR_LINES = [
    text("今收到 下洋村股份经济合作社", "Received from Xiayang village collective"),
    text("事由: 祠堂翻顶小工费 (5 人 × 2 天)", "For: re-tiling the ancestral hall, 5 x 2 days"),
    text("金额: 人民币玖佰伍拾元整  ¥950.00", "Amount: CNY 950.00"),
    text("收款人: 王建国 李小明 陈阿四", "Payees: Wang, Li, Chen"),
    text("经手人: 陈会计    2024 年 3 月 12 日", "Clerk: Chen    2024-03-12"),
]


def on_table(paper, canvas, angle, offset, seed):
    """Photographs `paper` lying on a wooden table: rotated a little, shifted, with noise."""
    rng = random.Random(seed)
    table = Image.new("RGB", canvas, (120, 86, 58))
    d = ImageDraw.Draw(table)
    for i in range(0, canvas[1], 7):
        shade = 100 + rng.randrange(30)
        d.line([0, i, canvas[0], i + rng.randrange(-20, 20)], fill=(shade + 20, shade - 10, shade - 40), width=3)
    rotated = paper.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=(0, 0, 0))
    mask = Image.new("L", paper.size, 255).rotate(angle, resample=Image.BICUBIC, expand=True)
    table.paste(rotated, offset, mask)
    return table.filter(ImageFilter.GaussianBlur(0.6))


def gps_exif(orientation, lat, lon):
    def dms(value):
        value = abs(value)
        d = int(value)
        m = int((value - d) * 60)
        s = round(((value - d) * 60 - m) * 60 * 100)
        return ((d, 1), (m, 1), (s, 100))

    exif = {
        "0th": {
            piexif.ImageIFD.Make: b"Xiaomi",
            piexif.ImageIFD.Model: b"Redmi Note 12",
            piexif.ImageIFD.Orientation: orientation,
        },
        "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2024:03:12 15:42:07"},
        "GPS": {
            piexif.GPSIFD.GPSLatitudeRef: b"N",
            piexif.GPSIFD.GPSLatitude: dms(lat),
            piexif.GPSIFD.GPSLongitudeRef: b"E",
            piexif.GPSIFD.GPSLongitude: dms(lon),
        },
    }
    return piexif.dump(exif)


def save_phone_photo(photo, name, quality, orientation=6, lat=29.1187, lon=121.3784):
    """Stores `photo` (as seen upright) the way a phone held upright does: pixels rotated
    90° counter-clockwise, EXIF orientation 6 saying "rotate 90° clockwise to display"."""
    stored = photo.rotate(90, expand=True) if orientation == 6 else photo
    stored.save(out(name), "JPEG", quality=quality, exif=gps_exif(orientation, lat, lon))


def phone_receipt():
    paper = draw_receipt((1100, 1500), LABOUR_LINES, text("收款收据", "RECEIPT"), seed=1)
    photo = on_table(paper, (1500, 2000), 2.0, (150, 220), seed=2)
    save_phone_photo(photo, "phone-orient6-gps.jpg", 85)


def phone_12mp():
    paper = draw_receipt((2300, 3100), LABOUR_LINES, text("收款收据", "RECEIPT"), seed=3)
    photo = on_table(paper, (3000, 4000), -1.5, (330, 420), seed=4)
    save_phone_photo(photo, "phone-12mp-orient6-gps.jpg", 72)


def same_paper_twice():
    lines = [
        text("今收到 下洋村股份经济合作社", "Received from Xiayang village collective"),
        text("事由: 村道路灯电费 2024 年 2 月", "For: street lights, February 2024"),
        text("金额: 人民币壹仟零肆拾元整  ¥1040.00", "Amount: CNY 1040.00"),
        text("收款单位: 三门县供电公司", "Payee: county power company"),
    ]
    paper = draw_receipt((1000, 1400), lines, text("收款收据", "RECEIPT"), seed=5)
    first = on_table(paper, (1200, 1600), 1.0, (100, 100), seed=6)
    # Taken again a moment later: the phone moved a little, the light changed.
    second = on_table(paper, (1200, 1600), 0.4, (110, 95), seed=6)
    second = ImageEnhance.Brightness(second).enhance(1.15).crop((25, 30, 1185, 1570))
    save_phone_photo(first, "same-paper-a.jpg", 86, lat=29.1201, lon=121.3801)
    second.save(out("same-paper-b.jpg"), "JPEG", quality=78)


def flatbed_scan():
    lines = [
        text("今收到 下洋村股份经济合作社", "Received from Xiayang village collective"),
        text("事由: 2024 年度土地发包收入", "For: land contracting income 2024"),
        text("金额: 人民币壹万贰仟元整  ¥12000.00", "Amount: CNY 12000.00"),
        text("交款人: 浙江三门某农业合作社", "Payer: an agricultural co-operative"),
    ]
    paper = draw_receipt((1748, 2480), lines, text("收款收据", "RECEIPT"), PLAIN_QR, 260, seed=8)
    paper.convert("L").save(out("scan-flatbed.png"), optimize=True)


def tiff_scan():
    lines = [
        text("今收到 下洋村股份经济合作社", "Received from Xiayang village collective"),
        text("事由: 上级补助 美丽乡村建设", "For: county grant, village works"),
        text("金额: 人民币伍万元整  ¥50000.00", "Amount: CNY 50000.00"),
    ]
    paper = draw_receipt((1240, 1754), lines, text("收款收据", "RECEIPT"), seed=9)
    paper.save(out("scan.tiff"), compression="tiff_lzw")


def invoice_traditional():
    lines = [
        text("发票代码: 011001605111", "Invoice code: 011001605111"),
        text("发票号码: 80100798", "Invoice number: 80100798"),
        text("开票日期: 2016 年 10 月 18 日", "Issued: 2016-10-18"),
        text("项目: 办公用品   金额 64.90", "Office supplies   64.90"),
        text("校验码: 85342 96568 11163 80258", "Check code: 85342965681116380258"),
    ]
    title = text("增值税普通发票", "VAT INVOICE")
    paper = draw_receipt((1800, 1200), lines, title, TRADITIONAL_QR, 260, seed=10)
    photo = on_table(paper, (2200, 1600), 0.8, (200, 190), seed=11)
    save_phone_photo(photo, "invoice-traditional.jpg", 84, orientation=1)


def invoice_digitised():
    lines = [
        text("发票号码: 25442000000012341234", "Invoice number: 25442000000012341234"),
        text("开票日期: 2025 年 02 月 08 日", "Issued: 2025-02-08"),
        text("项目: 会议室租赁   金额 666.00", "Meeting room rent   666.00"),
    ]
    title = text("电子发票(普通发票)", "E-INVOICE")
    paper = draw_receipt((1400, 900), lines, title, E_INVOICE_QR, 220, seed=12)
    paper.save(out("e-invoice.webp"), "WEBP", quality=90, method=4)


def truncated_jpeg():
    with open(out("phone-orient6-gps.jpg"), "rb") as f:
        data = f.read()
    with open(out("truncated.jpg"), "wb") as f:
        f.write(data[: len(data) * 6 // 10])


def text_named_jpg():
    with open(out("text-named.jpg"), "w", encoding="utf-8") as f:
        f.write(text("收款收据\n祠堂翻顶小工费 950.00 元\n", "Receipt\nLabour 950.00\n"))


def pdf():
    """A one-page PDF, written by hand (xref offsets computed)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        None,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    stream = b"BT /F1 18 Tf 40 540 Td (Receipt 950.00) Tj ET"
    objects[3] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    body = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (i, obj)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        body += b"%010d 00000 n \n" % off
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    with open(out("document.pdf"), "wb") as f:
        f.write(body)


def heic_like():
    """An ISO-BMFF `ftyp` box with brand heic, then a `meta` box header: enough to be recognised
    as HEIC, which is all the service needs to refuse it."""
    ftyp = b"ftyp" + b"heic" + struct.pack(">I", 0) + b"mif1heicmiaf"
    data = struct.pack(">I", 4 + len(ftyp)) + ftyp
    data += struct.pack(">I", 16) + b"meta" + b"\0" * 8
    data += bytes(random.Random(13).randrange(256) for _ in range(2000))
    with open(out("photo.heic"), "wb") as f:
        f.write(data)


def png_chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def bomb_png():
    """Declares 100000 × 100000 grey pixels (10 GB decoded); holds the first 200 rows."""
    width = height = 100_000
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress((b"\0" + b"\xff" * width) * 200, 9)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", rows) + png_chunk(b"IEND", b"")
    with open(out("bomb-100000x100000.png"), "wb") as f:
        f.write(data)


def main():
    phone_receipt()
    phone_12mp()
    same_paper_twice()
    flatbed_scan()
    tiff_scan()
    invoice_traditional()
    invoice_digitised()
    truncated_jpeg()
    text_named_jpg()
    pdf()
    heic_like()
    bomb_png()
    total = 0
    for name in sorted(os.listdir(HERE)):
        size = os.path.getsize(out(name))
        total += size
        print(f"{size:>9}  {name}")
    print(f"{total:>9}  total ({'CJK font ' + FONT if FONT else 'no CJK font: ASCII text'})")


if __name__ == "__main__":
    main()
