#!/usr/bin/env python3
"""Before/after: reads the reports of bench.py run alternately with two binaries on the same
county (base, new, base, new, …) and prints, for every figure of every table, the median over
the base runs, the median over the new runs and their ratio. A refactoring is expected to hold
each of the app's figures within 10 %; lines past that are marked.

    benches/compare.py --base base-1.md base-2.md --new new-1.md new-2.md
"""

import argparse
import re
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository

NUMBER = re.compile(r"^-?[\d,]+(?:\.\d+)?")


def number(cell):
    """The leading figure of a cell (`1,234.5 (1,100–1,300)` → 1234.5), or None."""
    m = NUMBER.match(cell.strip())
    return float(m.group(0).replace(",", "")) if m else None


def tables(path):
    """{(heading, row name, column header): figure} of every Markdown table of a report."""
    figures, heading, header = {}, "", None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("#"):
            heading, header = line.lstrip("# "), None
        elif line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if header is None:
                header = cells
            elif not set(line) <= set("|-: "):
                # The row's name: its leading cells that are not figures (request, conns, …).
                name = " / ".join(cells[:3])
                for col, cell in zip(header, cells):
                    value = number(cell)
                    if value is not None:
                        figures[(heading, name, col)] = value
        else:
            header = None if not line.strip() else header
    return figures


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
            app_figure = "app" in key[2] or "nginx" not in key[2]
            mark = " !" if app_figure and abs(ratio - 1) > a.tolerance else ""
        outside += bool(mark)
        print(f"| {key[0]} | {key[1]} | {key[2]} | {b:,.2f} | {n:,.2f} | {ratio:.2f}{mark} |")
    print()
    print(f"{outside} of {len(keys)} figures more than {a.tolerance:.0%} apart.")


if __name__ == "__main__":
    main()
