"""Section 1b of benches/run (issue 18): reads as a county is really read, every request for a
different page. Each workload is a list of distinct paths drawn with a fixed seed from the
generated county; the bodies are fetched once from the app (every one must answer 200, on
PostgreSQL too, with the same bytes) and written as files that nginx serves; wrk then asks both
for paths drawn at random from the same list (benches/wrk-report.lua with VL_URLS, same seed on both sides).
Standard library only."""

import calendar
import http.client
import os
import random
import sqlite3

from benchlib import HOST, Nginx, fmt_spread, stats, wrk

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 18


def workloads(db, count):
    """(name, [paths]) of every workload: `count` distinct month pages (random village, month and
    direction), `count` distinct entries, every village-year summary, `count` receipt thumbnails
    when the county has receipts."""
    rng = random.Random(SEED)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    villages = [r[0] for r in conn.execute("SELECT code FROM villages ORDER BY code")]
    years = [r[0] for r in conn.execute("SELECT DISTINCT fiscal_year FROM entries ORDER BY 1")]
    months = set()
    while len(months) < min(count, len(villages) * len(years) * 12 * 2):
        months.add((rng.choice(villages), rng.choice(years), rng.randint(1, 12), rng.choice(("income", "expense"))))
    pages = []
    for village, year, month, direction in sorted(months):
        last = calendar.monthrange(year, month)[1]
        pages.append(f"/api/v1/villages/{village}/entries?from={year}-{month:02}-01&to={year}-{month:02}-{last}"
                     f"&direction={direction}")
    rng.shuffle(pages)
    total = conn.execute("SELECT MAX(rowid) FROM entries").fetchone()[0] or 0
    ids = set()
    while len(ids) < min(count, total):
        row = conn.execute("SELECT id FROM entries WHERE rowid >= ? LIMIT 1", (rng.randint(1, total),)).fetchone()
        if row:
            ids.add(row[0])
    entries = [f"/api/v1/entries/{i}" for i in sorted(ids)]
    rng.shuffle(entries)
    summaries = [f"/api/v1/villages/{v}/summary?year={y}" for v in villages for y in years]
    rng.shuffle(summaries)
    out = [("entries of a month, one direction", pages), ("one entry", entries), ("village-year summary", summaries)]
    receipts = [r[0] for r in conn.execute("SELECT id FROM receipts ORDER BY id")]
    if receipts:
        rng.shuffle(receipts)
        out.append(("receipt thumbnail", [f"/api/v1/receipts/{r}/image?size=thumb" for r in receipts[:count]]))
    conn.close()
    return out


def fetch_all(port, token, paths):
    """Every body over one keep-alive connection; (bodies, statuses that were not 200)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    bodies, bad = [], []
    for path in paths:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        res = conn.getresponse()
        body = res.read()
        if res.status != 200:
            bad.append((path, res.status, body[:200]))
        bodies.append(body)
    conn.close()
    return bodies, bad


def section(a, server, token, pg, say, count=10_000):
    """`pg`: (server, token) of the same county on PostgreSQL, or None."""
    say("## 1b. Reads of distinct pages: every request for a different page")
    say()
    script = os.path.join(HERE, "wrk-report.lua")
    root = os.path.join(a.work, "distinct")
    lists = []
    for w, (name, paths) in enumerate(workloads(a.db, count)):
        bodies, bad = fetch_all(server.port, token, paths)
        if bad:
            raise RuntimeError(f"{name}: {len(bad)} answers were not 200, first: {bad[0]}")
        same_on_pg = None
        if pg:
            pg_bodies, pg_bad = fetch_all(pg[0].port, pg[1], paths)
            if pg_bad:
                raise RuntimeError(f"{name} on PostgreSQL: {len(pg_bad)} answers were not 200, first: {pg_bad[0]}")
            same_on_pg = sum(x == y for x, y in zip(bodies, pg_bodies))
        folder = os.path.join(root, f"w{w}")
        os.makedirs(folder, exist_ok=True)
        files = []
        for i, body in enumerate(bodies):
            with open(os.path.join(folder, f"{i}.body"), "wb") as f:
                f.write(body)
            files.append(f"/w{w}/{i}.body")
        app_list = os.path.join(root, f"w{w}-app.txt")
        ngx_list = os.path.join(root, f"w{w}-nginx.txt")
        with open(app_list, "w") as f:
            f.write("\n".join(paths) + "\n")
        with open(ngx_list, "w") as f:
            f.write("\n".join(files) + "\n")
        mean = sum(map(len, bodies)) / len(bodies)
        lists.append((name, len(paths), mean, app_list, ngx_list, same_on_pg))

    nginx = Nginx(root, os.path.join(a.work, "nginx-distinct"))
    repeats = max(1, min(a.repeats, 2))
    rows = []
    try:
        for name, n, mean, app_list, ngx_list, same_on_pg in lists:
            for conns in (1, 64):
                app, ngx, on_pg = [], [], []
                for _ in range(repeats if conns > 1 else 1):
                    app.append(wrk(f"http://{HOST}:{server.port}", conns, a.duration, script, token, app_list))
                    if pg:
                        on_pg.append(wrk(f"http://{HOST}:{pg[0].port}", conns, a.duration, script, pg[1], app_list))
                    ngx.append(wrk(f"http://{HOST}:{nginx.port}", conns, a.duration, script, token, ngx_list))
                rows.append((name, n, mean, conns, app, ngx, on_pg, same_on_pg))
    finally:
        nginx.stop()

    def med(runs, key, scale=1.0):
        return stats([r[key] * scale for r in runs])[0]

    say("| workload | distinct paths | mean body | conns | app req/s | app p50 ms | app p99 ms | nginx req/s "
        "| app/nginx | on PostgreSQL req/s | PostgreSQL p99 ms | PostgreSQL/nginx | errors |")
    say("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, n, mean, conns, app, ngx, on_pg, _ in rows:
        errors = sum(r["errors"] for r in app + ngx + on_pg)
        pg_cells = (f"{fmt_spread([r['rps'] for r in on_pg], digits=0)} | {med(on_pg, 'p99_us', 1e-3):.2f} "
                    f"| {med(on_pg, 'rps') / med(ngx, 'rps'):.2f}") if on_pg else "– | – | –"
        say(f"| {name} | {n:,} | {mean / 1024:.1f} KB | {conns} | {fmt_spread([r['rps'] for r in app], digits=0)} "
            f"| {med(app, 'p50_us', 1e-3):.2f} | {med(app, 'p99_us', 1e-3):.2f} "
            f"| {fmt_spread([r['rps'] for r in ngx], digits=0)} | {med(app, 'rps') / med(ngx, 'rps'):.2f} "
            f"| {pg_cells} | {errors} |")
    say()
    if pg:
        say("Bodies byte-identical on PostgreSQL and SQLite: "
            + ", ".join(f"{name} {same:,} of {n:,}" for name, n, _, _, _, same in lists) + ".")
        say()
    say(f"Each 64-connection cell: median (min–max) of {repeats} wrk runs of {a.duration} s (2 threads), one run "
        f"at 1 connection; paths drawn at random (seed {SEED}) from the workload's list by benches/wrk-report.lua (VL_URLS), "
        "the same sequence for the app and nginx; app, PostgreSQL and nginx runs interleaved; admin's token "
        "(the county scope). Errors: connection errors, timeouts and answers of 400 or more, all sides.")
    say()
    return rows
