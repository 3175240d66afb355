#!/usr/bin/env python3
"""Section 8 of the benchmark: a county's referral tickets and its figures (issue 15). Over the
rounds, findings and tickets `village-ledger generate --findings N` writes: the first page of
the county's tickets with its overdue count, the overdue ones, one township's, a page deep in the
cursor walk, and `GET /api/v1/stats` over every year and over one, as an admin and as the county
discipline commission's user. Each is one HTTP request to the release server; the figure is the
median of the requests after a warm-up. Target: under 100 ms each.

On its own (generates the county into DATA when it holds none; with --database-url into and from
that PostgreSQL database instead):

    python3 benches/tickets_bench.py --bin target/release/village-ledger --data DIR [--findings 100000]
"""

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import Server, http_get, login  # noqa: E402

ADMIN = ("admin", "admin-county-2026")
# The county commission's user `generate --findings` adds (src/generate/inspections.rs).
DISCIPLINE = ("discipline", "discipline-county-2026")
TARGET_MS = 100


def timed_get(port, token, path, repeats):
    status, body = http_get(port, path, token, timeout=600)  # warm-up, and the check
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {body[:300]!r}")
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        status, _ = http_get(port, path, token, timeout=600)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
    return json.loads(body), times


def paths(port, token):
    """The requests measured, found from the county itself."""
    first, _ = timed_get(port, token, "/api/v1/tickets?limit=50", 0)
    township = first["items"][0]["township_code"] if first["items"] else "331022000000"
    cursor = ""
    for _ in range(10):  # ten pages in
        page, _ = timed_get(port, token, f"/api/v1/tickets?limit=50{cursor}", 0)
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    stats, _ = timed_get(port, token, "/api/v1/stats", 0)
    year = stats["today"][:4]
    return [
        ("first page of the county's tickets, with the overdue count", "/api/v1/tickets?limit=50"),
        ("overdue tickets", "/api/v1/tickets?overdue=true&limit=50"),
        ("one township's tickets", f"/api/v1/tickets?township={township}&limit=50"),
        ("the 11th page (cursor)", f"/api/v1/tickets?limit=50{cursor}"),
        ("red tickets still open", "/api/v1/tickets?colour=red&status=received&limit=50"),
        ("the county's figures, every year", "/api/v1/stats"),
        ("the county's figures, one year", f"/api/v1/stats?from={int(year) - 1}-01-01&to={int(year) - 1}-12-31"),
    ]


def section(a, server, say, backend="SQLite"):
    admin = login(server.port, *ADMIN)
    try:
        discipline = login(server.port, *DISCIPLINE)
    except RuntimeError:
        say("## 8. Referral tickets and the county's figures")
        say()
        say("Not measured: the county was generated without `--findings`.")
        say()
        return
    whole, _ = timed_get(server.port, admin, "/api/v1/stats", 0)
    repeats = max(10, getattr(a, "county_repeats", 2) * 10)
    say(f"## 8. Referral tickets and the county's figures ({backend})")
    say()
    say(f"{whole['findings']:,} findings, {whole['tickets']['total']['total']:,} tickets "
        f"({whole['overdue_tickets']:,} overdue), {whole['rounds']:,} rounds; {repeats} requests each after a "
        f"warm-up, median (min–max). Target: under {TARGET_MS} ms.")
    say()
    say("| request | as admin | as county commission |")
    say("|---|---|---|")
    worst = 0.0
    for label, path in paths(server.port, admin):
        cells = []
        for token in (admin, discipline):
            _, times = timed_get(server.port, token, path, repeats)
            med = statistics.median(times)
            worst = max(worst, med)
            cells.append(f"{med:.1f} ms ({min(times):.1f}–{max(times):.1f})")
        say(f"| {label}: `GET {path}` | {cells[0]} | {cells[1]} |")
    say()
    say(f"Slowest median: **{worst:.1f} ms** ({'within' if worst < TARGET_MS else 'OVER'} the {TARGET_MS} ms target).")
    say()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--database-url", default="", help="a PostgreSQL database to generate into and serve from")
    p.add_argument("--findings", type=int, default=100_000)
    p.add_argument("--villages", type=int, default=200)
    p.add_argument("--years", type=int, default=5)
    p.add_argument("--repeats", type=int, default=2)
    a = p.parse_args()
    a.county_repeats = a.repeats
    os.makedirs(a.data, exist_ok=True)
    env = dict(os.environ)
    if a.database_url:
        env["VL_DATABASE_URL"] = a.database_url
    db = os.path.join(a.data, "ledger.db")
    fresh = not os.path.exists(os.path.join(a.data, "generated.txt"))
    if fresh:
        started = time.perf_counter()
        out = subprocess.run(
            [a.bin, "generate", "--data-dir", a.data, "--villages", str(a.villages), "--years", str(a.years),
             "--entries-per-village-year", "10", "--findings", str(a.findings)],
            env=env, check=True, capture_output=True, text=True)
        with open(os.path.join(a.data, "generated.txt"), "w") as f:
            f.write(out.stdout)
        print(f"generated in {time.perf_counter() - started:.1f} s:\n{out.stdout}", file=sys.stderr)
    elif not a.database_url and os.path.exists(db):
        n = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("SELECT COUNT(*) FROM findings").fetchone()[0]
        print(f"reusing the county in {a.data} ({n:,} findings)", file=sys.stderr)
    server = Server(a.bin, a.data, os.path.join(a.data, "tickets-bench-server.log"),
                    database_url=a.database_url or None)
    try:
        section(a, server, print, "PostgreSQL" if a.database_url else "SQLite")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
