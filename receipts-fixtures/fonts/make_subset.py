#!/usr/bin/env python3
"""Makes NotoSansCJKsc-demo-subset.otf: Noto Sans CJK SC Regular cut down to the characters the
demo county's drawn receipt scans can print (every non-ASCII character of the Rust sources that
hold the demo's names and the forms' texts, plus printable ASCII and a few symbols).

Needs fonttools (`pip install fonttools`) and Debian's fonts-noto-cjk. Run from the repository
root after changing a demo name or a form text:

    python3 receipts-fixtures/fonts/make_subset.py

The output is deterministic for a given font and fonttools version (the font's own timestamps
are kept); the tests `receipt_drawing::every_form_text_has_a_glyph` and
`every_demo_name_and_line_can_be_printed` (in `src/demo/scans.rs`) fail when a character is
missing.
"""

import pathlib
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = pathlib.Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
# The collection's faces: JP, KR, SC, TC, HK, then the Mono ones.
SC_INDEX = 2
SOURCES = [
    "src/demo/county.rs",
    "src/demo/mod.rs",
    "src/demo/scans.rs",
    *sorted(str(p) for p in pathlib.Path("crates/receipt-drawing/src").rglob("*.rs")),
]
OUTPUT = pathlib.Path("receipts-fixtures/fonts/NotoSansCJKsc-demo-subset.otf")


def characters() -> str:
    chars = {chr(c) for c in range(0x20, 0x7F)}
    chars.update("¥×⊗·—（）：，。、")
    for name in SOURCES:
        chars.update(c for c in pathlib.Path(name).read_text(encoding="utf-8") if ord(c) > 0x7F)
    # Box drawing and other symbols of comments are not printed; keep CJK, full-width and ¥.
    return "".join(sorted(c for c in chars if c.isprintable() and not 0x2500 <= ord(c) <= 0x257F))


def main() -> int:
    font = TTCollection(str(SOURCE)).fonts[SC_INDEX]
    options = subset.Options()
    options.layout_features = []  # no shaping: the drawing places glyphs one by one
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    text = characters()
    subsetter.populate(text=text)
    subsetter.subset(font)
    font.recalcTimestamp = False  # keep the source font's date: the same input, the same bytes
    font.save(str(OUTPUT))
    print(f"{OUTPUT}: {len(text)} characters, {OUTPUT.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
