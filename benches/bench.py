#!/usr/bin/env python3
"""The measurements of benches/run, on a generated county, each side by side with the tool a
user would otherwise reach for. Prints a Markdown report (also written to --report).

Sections: 1 reads (wrk: the app vs nginx serving the same bytes; the app on SQLite and, when
--pg-url is given, on the same county in PostgreSQL), 1b reads of distinct pages (10,000
different paths per workload, same comparison), 2 peak memory during 1 and 1b,
3 receipts (not yet), 4 summaries (the app vs hledger balance), 5 cross-check (not yet),
6 start-up time, 7 texts in either language, 8 referral tickets and the county's figures.
Loopback only; every load is bounded in time.
"""

import argparse
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from decimal import Decimal

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crosscheck_bench  # noqa: E402
import distinct_bench  # noqa: E402
import language_bench  # noqa: E402
import tickets_bench  # noqa: E402
from benchlib import HOST, Nginx, Server, fmt_spread, http_get, login, stats, timed, wrk  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
# The users `village-ledger generate` creates (src/generate/mod.rs, USERS).
VILLAGER = ("villager", "villager-county-2026")
ADMIN = ("admin", "admin-county-2026")
CLERK = ("clerk", "clerk-county-2026")

out_lines = []


def say(line=""):
    print(line, flush=True)
    out_lines.append(line)


def machine():
    def first(cmd):
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            return (r.stdout + r.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    say(f"Machine: `nproc` {os.cpu_count()}, {mem_kb / 1024 / 1024:.1f} GiB memory, {cpu}; {first(['uname', '-sr'])}")
    say()
    say(f"Code: `git describe --always --dirty` {first(['git', 'describe', '--always', '--dirty'])}")
    say()
    say(f"Tools: {first(['wrk', '-v'])}; {first(['nginx', '-v'])}; {first(['hledger', '--version'])}; "
        f"{first(['rustc', '--version'])}")
    say()


def county_facts(db):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    village = conn.execute("SELECT code FROM villages ORDER BY code LIMIT 1").fetchone()[0]
    year = conn.execute("SELECT MAX(fiscal_year) FROM entries").fetchone()[0]
    villages = [r[0] for r in conn.execute("SELECT code FROM villages ORDER BY code")]
    total = conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    return village, year, villages, total


def read_scenarios(port, token, village, year):
    """(name, path) of every read measured; the cursor and the entry id come from page one."""
    base = f"/api/v1/villages/{village}/entries"
    status, body = http_get(port, base, token)
    if status != 200:
        raise RuntimeError(f"GET {base}: {status} {body[:200]!r}")
    page = json.loads(body)
    q = urllib.parse.quote("保洁")
    return [
        ("entries, first page (50)", base),
        ("entries, next page (cursor)", f"{base}?cursor={page['next_cursor']}"),
        ("entries, one year", f"{base}?from={year}-01-01&to={year}-12-31"),
        ("entries, expense 514 ≥ 1,000 yuan", f"{base}?direction=expense&account=514&min_fen=100000"),
        ("entries, text q=保洁", f"{base}?q={q}"),
        ("entries, limit 200", f"{base}?limit=200"),
        ("one entry", f"/api/v1/entries/{page['items'][0]['id']}"),
    ]


def section_reads(a, server, token, scenarios, pg=None):
    """`pg`: (server, token) of the same county on PostgreSQL, measured in the same loop."""
    say("## 1. Reads: the app vs nginx serving the byte-identical bodies")
    say()
    static = os.path.join(a.work, "static")
    os.makedirs(static, exist_ok=True)
    files, same_on_pg = [], 0
    for i, (name, path) in enumerate(scenarios):
        status, body = http_get(server.port, path, token)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body[:200]!r}")
        if pg:
            pg_status, pg_body = http_get(pg[0].port, path, pg[1])
            if pg_status != 200:
                raise RuntimeError(f"GET {path} on PostgreSQL: {pg_status} {pg_body[:200]!r}")
            same_on_pg += pg_body == body
        fname = f"s{i}.json"
        with open(os.path.join(static, fname), "wb") as f:
            f.write(body)
        files.append((fname, len(body)))
    nginx = Nginx(static, os.path.join(a.work, "nginx"))
    script = os.path.join(HERE, "wrk-report.lua")
    rows = []
    try:
        for (name, path), (fname, size) in zip(scenarios, files):
            for conns in (1, 64):
                app, ngx, on_pg = [], [], []
                for _ in range(a.repeats):
                    # Interleaved, so drift of the machine hits every side alike.
                    app.append(wrk(f"http://{HOST}:{server.port}{path}", conns, a.duration, script, token))
                    ngx.append(wrk(f"http://{HOST}:{nginx.port}/{fname}", conns, a.duration, script, token))
                    if pg:
                        on_pg.append(wrk(f"http://{HOST}:{pg[0].port}{path}", conns, a.duration, script, pg[1]))
                errors = sum(r["errors"] for r in app + ngx)
                rows.append((name, size, conns, app, ngx, errors, on_pg))
    finally:
        nginx.stop()

    def col(runs, key, scale=1.0, digits=0):
        return fmt_spread([r[key] * scale for r in runs], digits=digits)

    def ratio(runs, ngx):
        return stats([r["rps"] for r in runs])[0] / stats([r["rps"] for r in ngx])[0]

    say("### SQLite")
    say()
    say("| request | body | conns | app req/s | app p50 ms | app p99 ms | nginx req/s | nginx p50 ms "
        "| nginx p99 ms | app/nginx req/s | errors |")
    say("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, size, conns, app, ngx, errors, _ in rows:
        say(f"| {name} | {size:,} B | {conns} | {col(app, 'rps')} | {col(app, 'p50_us', 1e-3, 2)} "
            f"| {col(app, 'p99_us', 1e-3, 2)} | {col(ngx, 'rps')} | {col(ngx, 'p50_us', 1e-3, 2)} "
            f"| {col(ngx, 'p99_us', 1e-3, 2)} | {ratio(app, ngx):.2f} | {errors} |")
    say()
    if pg:
        say("### PostgreSQL (the same county, copied with `village-ledger copy`)")
        say()
        say(f"{same_on_pg} of {len(scenarios)} bodies byte-identical to SQLite's (so to the files nginx serves).")
        say()
        say("| request | conns | app on PostgreSQL req/s | p50 ms | p99 ms | app on SQLite req/s | nginx req/s "
            "| PostgreSQL/nginx | SQLite/nginx | errors |")
        say("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, size, conns, app, ngx, _, on_pg in rows:
            errors = sum(r["errors"] for r in on_pg)
            say(f"| {name} | {conns} | {col(on_pg, 'rps')} | {col(on_pg, 'p50_us', 1e-3, 2)} "
                f"| {col(on_pg, 'p99_us', 1e-3, 2)} | {stats([r['rps'] for r in app])[0]:.0f} "
                f"| {stats([r['rps'] for r in ngx])[0]:.0f} | {ratio(on_pg, ngx):.2f} | {ratio(app, ngx):.2f} "
                f"| {errors} |")
        say()
    sides = "app on SQLite, nginx" + (" and app on PostgreSQL" if pg else "")
    say(f"Each cell: median (min–max) of {a.repeats} wrk runs of {a.duration} s; 1 connection with 1 wrk thread, "
        f"64 connections with 2 threads; {sides} runs interleaved.")
    say()
    return rows


def hledger_balances(journal, repeats):
    times, out = timed(["hledger", "-f", journal, "balance", "--depth", "2", "-O", "csv"], repeats)
    totals = {}
    for line in out.splitlines()[1:]:
        account, amount = [c.strip('"') for c in line.split('","')]
        if account == "total" or ":" not in account:
            continue
        kind, code = account.split(":")
        if kind == "settlement" and code not in ("101", "102"):
            continue  # payables: not in the app's summary
        fen = int(Decimal(amount.replace(",", "")) * 100)
        totals[(kind, code)] = -fen if kind == "income" else fen
    return times, totals


def api_totals(summary, into):
    for row in summary["by_account"]:
        key = (row["direction"], row["account_code"])
        into[key] = into.get(key, 0) + row["total_fen"]
    for code, field in (("101", "cash"), ("102", "bank")):
        key = ("settlement", code)
        into[key] = into.get(key, 0) + summary[f"closing_{field}_fen"] - summary[f"opening_{field}_fen"]
    return into


def compare(api, ledger):
    keys = sorted(set(api) | set(ledger))
    bad = [(k, api.get(k, 0), ledger.get(k, 0)) for k in keys if api.get(k, 0) != ledger.get(k, 0)]
    if not bad:
        return f"same totals for all {len(keys)} accounts (income, expense, cash and bank movement)"
    return "DIFFERENT: " + "; ".join(f"{k[0]}:{k[1]} app {x} hledger {y}" for k, x, y in bad[:6])


def section_summaries(a, server, token, village, year, villages):
    say("## 4. Summaries: the app vs `hledger balance`")
    say()
    script = os.path.join(HERE, "wrk-report.lua")
    path = f"/api/v1/villages/{village}/summary?year={year}"
    runs = [wrk(f"http://{HOST}:{server.port}{path}", 1, a.duration, script, token) for _ in range(a.repeats)]
    status, body = http_get(server.port, path, token)
    app_vy = api_totals(json.loads(body), {})
    vy_journal = os.path.join(a.work, f"village-{village}-{year}.journal")
    export = [sys.executable, os.path.join(HERE, "hledger_export.py"), a.db]
    subprocess.run(export + [vy_journal, "--village", village, "--year", str(year)], check=True)
    hl_times, hl_vy = hledger_balances(vy_journal, a.repeats)
    app_ms = stats([r["p50_us"] / 1000 for r in runs])[0]
    say("| what | the app | hledger balance --depth 2 | hledger/app | totals |")
    say("|---|---:|---:|---:|---|")
    say(f"| village-year summary ({village}, {year}) | {fmt_spread([r['p50_us'] / 1000 for r in runs], ' ms', 2)} "
        f"| {fmt_spread([t * 1000 for t in hl_times], ' ms', 0)} | {stats(hl_times)[0] * 1000 / app_ms:.0f}× "
        f"| {compare(app_vy, hl_vy)} |")

    admin = login(server.port, *ADMIN)
    clerk = login(server.port, *CLERK)
    county_times, app_county, changes = [], {}, 0
    rng = random.Random(18)
    run = time.strftime("%H%M%S")
    db = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
    # The generated clerk's scope: the township of the first village.
    in_scope = [r[0] for r in db.execute(
        "SELECT code FROM villages WHERE township_code = (SELECT township_code FROM villages ORDER BY code LIMIT 1) "
        "ORDER BY code")]
    for i in range(a.county_repeats * 5):
        # A posting and its red-ink reversal into a random village first, so no answer kept
        # from before can serve the summary (and the totals stay those of the journal).
        code = rng.choice(in_scope)
        account, settlement = db.execute(
            "SELECT account_code, settlement_account_code FROM entries WHERE village_code = ? AND fiscal_year = ? "
            "AND direction = 'expense' AND reverses IS NULL LIMIT 1", (code, year)).fetchone()
        status, body = crosscheck_bench.post_json(server.port, f"/api/v1/villages/{code}/entries", clerk, {
            "voucher_no": f"B4-{run}-{i}", "occurred_on": f"{year}-12-28", "direction": "expense",
            "amount_fen": 12345, "account_code": account, "settlement_account_code": settlement,
            "counterparty": "基准测试", "description": "summary benchmark posting, reversed at once"})
        if status != 201:
            raise RuntimeError(f"posting into {code}: {status} {body[:300]!r}")
        entry = json.loads(body)["id"]
        status, body = crosscheck_bench.post_json(server.port, f"/api/v1/entries/{entry}/reversal", clerk,
                                                  {"reason": "benchmark posting"})
        if status != 201:
            raise RuntimeError(f"reversing {entry}: {status} {body[:300]!r}")
        changes += 2
        conn = http.client.HTTPConnection(HOST, server.port, timeout=60)
        started = time.perf_counter()
        conn.request("GET", f"/api/v1/summary?year={year}", headers={"Authorization": f"Bearer {admin}"})
        res = conn.getresponse()
        data = res.read()
        county_times.append(time.perf_counter() - started)
        conn.close()
        if res.status != 200:
            raise RuntimeError(f"county summary: {res.status} {data[:300]!r}")
        app_county = api_totals(json.loads(data), {})
    db.close()
    county_journal = os.path.join(a.work, f"county-{year}.journal")
    subprocess.run(export + [county_journal, "--year", str(year)], check=True)
    hl_county_times, hl_county = hledger_balances(county_journal, a.county_repeats)
    ratio = stats(hl_county_times)[0] / stats(county_times)[0]
    say(f"| balances by account, whole county, {year} (`GET /api/v1/summary`, {len(villages)} villages, each "
        f"request after a posting and its reversal in a random village) | {fmt_spread([t * 1000 for t in county_times], ' ms', 1)} "
        f"| {fmt_spread(hl_county_times, ' s', 1)} | {ratio:.0f}× | {compare(app_county, hl_county)} |")
    say()
    say(f"The app: the village-year row is the median latency of {a.repeats} wrk runs of {a.duration} s at one "
        f"connection; the county row is the wall-clock time of {len(county_times)} requests on a new connection, "
        f"each after a posting and its red-ink reversal ({changes} entries in all, netting to zero, so the totals "
        "are the journal's). hledger: wall-clock time of the whole command (parsing the journal included), "
        "journal written by benches/hledger_export.py (not timed).")
    say()


def section_ingest(a):
    """Receipt intake of 12-megapixel phone JPEGs against `vipsthumbnail -s 320` on the same
    files, both timed by the `receipt_ingest` example (median of 9 runs each, side by side)."""
    say("## 3. Receipt ingest")
    say()
    if not a.ingest_bin:
        say("Not run: no `--ingest-bin`.")
        say()
        return
    out = subprocess.run([a.ingest_bin], capture_output=True, text=True, timeout=900,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if out.returncode != 0:
        say(f"The ingest benchmark failed: {out.stderr.strip()[:300]}")
        say()
        return
    say("`receipt_ingest` (the example, release build): `ingest` (decode, perceptual hash, QR search, thumb and "
        "screen renditions) and `render_full` against `vipsthumbnail -s 320` (process start included) on the same "
        "file; medians of 9 runs after a warm-up. Target: ingest at most 2× vipsthumbnail.")
    say()
    for line in out.stdout.strip().splitlines():
        say(line)
    say()


def section_startup(a):
    say("## 6. Start-up time (launch → /readyz 200)")
    say()
    times = []
    for _ in range(a.repeats):
        s = Server(a.bin, a.data, os.path.join(a.work, "server.log"))
        times.append(s.startup_s)
        s.stop()
    say(f"{fmt_spread([t * 1000 for t in times], ' ms', 0)} on a {a.entries:,}-entry database (warm page cache).")
    say()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--bin", "--data", "--work", "--report", "--generated"):
        p.add_argument(name, required=True)
    p.add_argument("--ingest-bin", default="", help="the receipt_ingest example, built in release")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--county-repeats", type=int, default=2)
    p.add_argument("--duration", type=int, default=8)
    p.add_argument("--pg-url", default="", help="the county copied into PostgreSQL; section 1 runs on it too")
    p.add_argument("--pg-note", default="", help="why there are no PostgreSQL figures, when there are none")
    a = p.parse_args()
    a.db = os.path.join(a.data, "ledger.db")
    load_start = os.getloadavg()
    village, year, villages, a.entries = county_facts(a.db)
    say(f"# village-ledger benchmark: {len(villages)} villages, {a.entries:,} entries")
    say()
    say(f"Generation: {a.generated}")
    say()
    machine()
    section_startup(a)
    server = Server(a.bin, a.data, os.path.join(a.work, "server.log"))
    pg = None
    try:
        idle_kb = server.status_kb("VmRSS")
        token = login(server.port, *VILLAGER)
        if a.pg_url:
            pg_server = Server(a.bin, a.data, os.path.join(a.work, "server-pg.log"), database_url=a.pg_url)
            pg = (pg_server, login(pg_server.port, *VILLAGER))
        elif a.pg_note:
            say(f"PostgreSQL: {a.pg_note}")
            say()
        section_reads(a, server, token, read_scenarios(server.port, token, village, year), pg)
        distinct_bench.section(a, server, login(server.port, *ADMIN),
                               (pg[0], login(pg[0].port, *ADMIN)) if pg else None, say)
        say("## 2. Memory of the server during 1")
        say()
        say(f"Peak resident (VmHWM): {server.status_kb('VmHWM') / 1024:.1f} MB; resident after start-up: "
            f"{idle_kb / 1024:.1f} MB; one run, read from /proc/PID/status after all of sections 1 and 1b.")
        if pg:
            say(f"On PostgreSQL: peak resident {pg[0].status_kb('VmHWM') / 1024:.1f} MB.")
            pg[0].stop()
            pg = None
        say()
        section_ingest(a)
        section_summaries(a, server, token, village, year, villages)
        crosscheck_bench.section(a, server, login(server.port, *ADMIN), say)
        crosscheck_bench.precision_section(a, server, login(server.port, *ADMIN), say)
        language_bench.section(a, server, login(server.port, *ADMIN), say)
        tickets_bench.section(a, server, say)
        say(f"Peak resident of the SQLite server through the whole benchmark (VmHWM, sections 1 to 8): "
            f"{server.status_kb('VmHWM') / 1024:.1f} MB.")
        say()
    finally:
        server.stop()
        if pg:
            pg[0].stop()
    say(f"Load average (1, 5, 15 min) at the start: {load_start}; at the end: {os.getloadavg()} "
        "(other work on the machine shows here).")
    with open(a.report, "w") as f:
        f.write("\n".join(out_lines) + "\n")
    # A full run logs gigabytes (every request, on both servers); keep them only when it failed.
    for name in ("server.log", "server-pg.log", os.path.join("nginx", "access.log")) + tuple(
        f for f in os.listdir(a.work) if f.endswith(".journal")
    ):
        try:
            os.remove(os.path.join(a.work, name))
        except OSError:
            pass
    print(f"report written to {a.report}", file=sys.stderr)


if __name__ == "__main__":
    main()
