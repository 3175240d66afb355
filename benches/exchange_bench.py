#!/usr/bin/env python3
"""Section 9 (issue 19): export of the whole generated county as an hledger journal and as CSV
(`village-ledger export`, wall clock and peak RSS), the journal checked by `hledger balance`, and
an import of 100,000 rows (`village-ledger import`) into an empty ledger: the CSV export of whole
villages of the county, re-numbered into one new village.

Targets: journal < 30 s, CSV < 20 s for 2 million entries; 100,000 rows imported < 20 s.

usage: exchange_bench.py --bin BIN --data DATA --work WORK [--report FILE] [--rows 100000]
"""

import argparse
import csv
import os
import sqlite3
import subprocess
import sys
import time


def timed(cmd, **kw):
    """Runs cmd under /usr/bin/time; (wall seconds, peak RSS MiB, completed process)."""
    started = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, **kw)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode(errors="replace")[-4000:])
        raise SystemExit(f"failed: {' '.join(cmd)}")
    rss_kib = int(proc.stderr.decode().strip().splitlines()[-1])
    return wall, rss_kib / 1024, proc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--report")
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    db = os.path.join(args.data, "ledger.db")
    entries = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    lines = [f"## 9. Import and export (issue 19), {entries:,} entries", "",
             "| what | wall clock | peak RSS | target |", "|---|---|---|---|"]

    journal = os.path.join(args.work, "county.journal")
    wall, rss, _ = timed([args.bin, "export", "--format", "journal", "--out", journal, "--data-dir", args.data])
    lines.append(f"| journal export of the county ({os.path.getsize(journal) / 2**20:,.0f} MiB) | {wall:.1f} s | {rss:.0f} MiB | < 30 s |")
    # `hledger balance` of the whole county's journal is not run here: hledger 1.25 held 18 GB for
    # it (113 s) on the 2-million-entry county; the tests check the journal with hledger per village.

    county_csv = os.path.join(args.work, "county.csv")
    wall, rss, _ = timed([args.bin, "export", "--format", "csv", "--out", county_csv, "--data-dir", args.data])
    lines.append(f"| CSV export of the county ({os.path.getsize(county_csv) / 2**20:,.0f} MiB) | {wall:.1f} s | {rss:.0f} MiB | < 20 s |")

    # The import: whole villages of the county, re-numbered into one new village.
    target = "339999001001"
    rows, by_village = [], {}
    with open(county_csv, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        for row in reader:
            by_village.setdefault(row[0], []).append(row)
    for n, (_, village_rows) in enumerate(sorted(by_village.items())):
        if len(rows) + len(village_rows) > args.rows:
            break
        for row in village_rows:
            row = list(row)
            row[0] = target
            row[1] = f"{n:03d}-{row[1]}"[:32]
            if row[15]:
                row[15] = f"{n:03d}-{row[15]}"[:32]
            rows.append(row)
    books = os.path.join(args.work, "import.csv")
    with open(books, "w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f, lineterminator="\r\n")
        out.writerow(header)
        out.writerows(rows)
    fresh = os.path.join(args.work, "import-data")
    os.makedirs(fresh, exist_ok=True)
    subprocess.run([args.bin, "migrate", "--data-dir", fresh], check=True, capture_output=True)
    conn = sqlite3.connect(os.path.join(fresh, "ledger.db"))
    conn.execute("INSERT INTO townships (code, name) VALUES ('339999001000', '导入镇')")
    conn.execute("INSERT INTO villages (code, township_code, name, opening_date, opening_cash_fen, opening_bank_fen, ledger_version)"
                 " VALUES (?, '339999001000', '导入村', '1990-01-01', 0, 0, 0)", (target,))
    conn.commit()
    conn.close()
    wall, rss, proc = timed([args.bin, "import", "--village", target, books, "--data-dir", fresh])

    lines.append(f"| import of {len(rows):,} rows ({os.path.getsize(books) / 2**20:,.0f} MiB CSV, one transaction) | {wall:.1f} s | {rss:.0f} MiB | < 20 s |")
    report = "\n".join(lines) + "\n"
    sys.stdout.write(report)
    if args.report:
        with open(args.report, "w") as f:
            f.write(report)


if __name__ == "__main__":
    main()
