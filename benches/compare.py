#!/usr/bin/env python3
"""Before/after: reads the reports of bench.py run alternately with two binaries on the same
county (base, new, base, new, …) and prints, for every figure of every table, the median over
the base runs, the median over the new runs and their ratio. A refactoring is expected to hold
each of the app's figures within 10 %; lines past that are marked.

    benches/compare.py --base base-1.md base-2.md --new new-1.md new-2.md
"""

import argparse
import math
import re
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository

NUMBER = re.compile(r"^-?[\d,]+(?:\.\d+)?")
# Columns that describe the request rather than measure it.
SAME = {"body", "conns", "bytes", "errors", "entries considered"}


def number(cell):
    """The leading figure of a cell (`1,234.5 (1,100–1,300)` → 1234.5), or None."""
    m = NUMBER.match(cell.strip())
    return float(m.group(0).replace(",", "")) if m else None


def tables(path):
    """{(heading, row, column): figure} of every Markdown table of a report, and of the prose
    figures of the memory and start-up sections."""
    figures, heading, header, prose = {}, "", None, 0
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("#"):
            heading, header, prose = line.lstrip("# "), None, 0
        elif line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if header is None:
                header = cells
            elif not set(line) <= set("|-: "):
                # The row: its first cell and its connection count, never a measured figure.
                name = " / ".join(c for col, c in zip(header, cells) if col in (header[0], "conns"))
                for col, cell in zip(header, cells):
                    value = number(cell)
                    if value is not None and col not in SAME:
                        figures[(heading, name, col)] = value
        elif line.strip() and ("Memory" in heading or "Start-up" in heading):
            header = None
            prose += 1
            for i, m in enumerate(re.finditer(r"[\d,]+(?:\.\d+)?(?= ?(?:MB|ms))", line)):
                figures[(heading, f"line {prose}", f"figure {i + 1}")] = float(m.group(0).replace(",", ""))
        elif line.strip():
            header = None
    return figures


def is_app(column):
    """A figure of this service (not of nginx, vips or hledger, and not a ratio to them)."""
    ratio = "/" in column.replace("req/s", "")
    return not ratio and not any(other in column for other in ("nginx", "vips", "hledger"))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", nargs="+", required=True)
    p.add_argument("--new", nargs="+", required=True)
    p.add_argument("--tolerance", type=float, default=0.10)
    a = p.parse_args()
    base = [tables(f) for f in a.base]
    new = [tables(f) for f in a.new]
    keys = [k for k in base[0] if all(k in t for t in base + new)]
    print(f"Before/after, {len(a.base)} base and {len(a.new)} new runs interleaved on one county; "
          f"figures are medians; `!` marks an app figure more than {a.tolerance:.0%} apart.")
    print()
    print("| section | row | figure | base | new | new/base |")
    print("|---|---|---|---:|---:|---:|")
    outside = 0
    for key in keys:
        b = statistics.median(t[key] for t in base)
        n = statistics.median(t[key] for t in new)
        if b == n:
            ratio, mark = 1.0, ""
        elif b == 0:
            ratio, mark = float("inf"), ""
        else:
            ratio = n / b
            mark = " !" if is_app(key[2]) and abs(ratio - 1) > a.tolerance else ""
        outside += bool(mark)
        print(f"| {key[0]} | {key[1]} | {key[2]} | {b:,.2f} | {n:,.2f} | {ratio:.2f}{mark} |")
    print()
    print(f"{outside} of {len(keys)} figures more than {a.tolerance:.0%} apart.")
    # Throughput of the app's reads over all requests: the geometric mean of new/base.
    rps = [k for k in keys if k[2].endswith("req/s") and is_app(k[2])]
    if rps:
        logs = [math.log(statistics.median(t[k] for t in new) / statistics.median(t[k] for t in base)) for k in rps]
        print(f"App reads, req/s new/base over {len(rps)} figures: geometric mean "
              f"{math.exp(sum(logs) / len(logs)):.3f}, range {math.exp(min(logs)):.2f}–{math.exp(max(logs)):.2f}.")


if __name__ == "__main__":
    main()
