"""Section 5 of the benchmark: the cross-check at county scale (issue 9).

Reconciles 10,000 findings drawn from the county's own expense entries (most exact, some with
the amount 10 % off, the date 20 days off, the name written with spaces, or not in the ledger at
all), once against one township and once against the whole county, and computes every red flag
for the whole county. Each is one HTTP request to the release server, timed end to end; the
figures are the median and spread over repeated runs.
"""

import http.client
import json
import random
import sqlite3
import time

from benchlib import HOST, fmt_spread

FINDINGS = 10_000


def post_json(port, path, token, body, timeout=600):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    data = json.dumps(body, ensure_ascii=False).encode()
    conn.request("POST", path, body=data, headers={
        "Authorization": f"Bearer {token}", "content-type": "application/json"})
    res = conn.getresponse()
    out = res.read()
    conn.close()
    return res.status, out


def get(port, path, token, timeout=600):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    res = conn.getresponse()
    out = res.read()
    conn.close()
    return res.status, out


def findings_from(db, township, count, seed=20261127):
    """`count` findings about the township's expenses, with known perturbations."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute(
        "SELECT e.occurred_on, e.amount_fen, e.counterparty FROM entries e "
        "JOIN villages v ON v.code = e.village_code "
        "WHERE v.township_code = ? AND e.direction = 'expense' AND e.reverses IS NULL "
        "ORDER BY e.seq", (township,)).fetchall()
    rng = random.Random(seed)
    picked = rng.sample(rows, min(count, len(rows)))
    out = []
    for n, (day, fen, who) in enumerate(picked):
        kind = rng.random()
        if kind < 0.1:
            fen = fen + max(fen // 10, 300)
        elif kind < 0.2:
            y, m, d = (int(x) for x in day.split("-"))
            d = 8 if d > 20 else d + 7
            day = f"{y:04d}-{m:02d}-{d:02d}"
        elif kind < 0.25:
            who = " ".join(who)
        elif kind < 0.3:
            fen, who = fen + 123_456, "不在账上的人"
        out.append({"ref": f"B-{n:05d}", "date": day, "amount_fen": fen, "counterparty": who})
    return out


def busiest_township(db):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    return conn.execute(
        "SELECT township_code, COUNT(*) FROM villages GROUP BY township_code ORDER BY 2 DESC, 1 LIMIT 1"
    ).fetchone()


def timed_request(fn, repeats):
    times, last = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        status, body = fn()
        times.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"cross-check request failed: {status} {body[:300]!r}")
        last = json.loads(body)
    return times, last


def section(a, server, admin_token, say):
    township, villages = busiest_township(a.db)
    findings = findings_from(a.db, township, FINDINGS)
    repeats = max(a.county_repeats, 1) + 1
    say("## 5. Cross-check")
    say()
    say(f"{len(findings):,} findings drawn from the expenses of township {township} ({villages} villages): "
        "70 % exact, 10 % amount 10 % off, 10 % date moved by a week, 5 % name written with spaces, "
        "5 % not in the ledger. One request each, timed end to end (JSON in, JSON out); "
        f"median (min–max) of {repeats} runs, release build, default settings.")
    say()
    say("| request | entries considered | time | target | statuses |")
    say("|---|---:|---:|---|---|")
    body = {"township": township, "findings": findings}
    times, out = timed_request(
        lambda: post_json(server.port, "/api/v1/crosscheck/reconcile", admin_token, body), repeats)
    statuses = ", ".join(f"{k} {v:,}" for k, v in out["summary"].items() if v)
    say(f"| reconcile {len(findings):,} findings, township {township} | {out['entries_considered']:,} | "
        f"{fmt_spread(times, ' s', 2)} | < 2 s | {statuses} |")
    times, out = timed_request(lambda: get(server.port, "/api/v1/crosscheck/flags?limit=1", admin_token), repeats)
    counts = ", ".join(f"{k} {v:,}" for k, v in out["counts"].items() if v)
    say(f"| every flag, whole county ({out['scope']['villages']} villages) | {out['entries']:,} | "
        f"{fmt_spread(times, ' s', 2)} | < 10 s | {counts} |")
    say()
