"""Section 5 of the benchmark: the cross-check at county scale (issues 9 and 17).

Reconciles 10,000 findings drawn from the county's own expense entries (most exact, some with
the amount 10 % off, the date 20 days off, the name written with spaces, or not in the ledger at
all), once against one township and once against the whole county, and computes every red flag
for the whole county. Each is one HTTP request to the release server, timed end to end; the
figures are the median and spread over repeated runs.

When the county was generated with `--plant` (a `plants.jsonl` next to the database), it then
measures every flag rule against that ground truth (`precision_section`): per rule, precision
(flags that touch a plant of the rule / flags) and recall (plants touched by a flag of the rule /
plants), per planted kind the recall, and the flags per 1,000 entries on the villages with no
plants, with the descriptions most often behind them. `benford` is counted twice: its year test
by village and year, its township test by township (a township is planted when one of its
villages is); `voucher_gap` by village and year.

Standalone (section 5 only, on a county already generated with the release binary):

    python3 benches/crosscheck_bench.py --bin target/release/village-ledger --data DIR
"""

import argparse
import collections
import http.client
import json
import os
import random
import sqlite3
import sys
import time
import urllib.parse

from benchlib import HOST, Server, fmt_spread, login

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


def server_cpu_s(server):
    """CPU time (user + system) the server process has used so far, in seconds."""
    with open(f"/proc/{server.proc.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_request(fn, repeats, server=None, cpu=None):
    """Wall-clock times of `repeats` requests (and, with `server`, the server's CPU seconds of
    each appended to `cpu`: on a busy machine the wall clock also counts others' work)."""
    times, last = [], None
    for _ in range(repeats):
        cpu_before = server_cpu_s(server) if server else 0
        started = time.perf_counter()
        status, body = fn()
        times.append(time.perf_counter() - started)
        if server and cpu is not None:
            cpu.append(server_cpu_s(server) - cpu_before)
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
    say("| request | entries considered | time | server CPU | target | statuses |")
    say("|---|---:|---:|---:|---|---|")
    body = {"township": township, "findings": findings}
    cpu = []
    times, out = timed_request(
        lambda: post_json(server.port, "/api/v1/crosscheck/reconcile", admin_token, body), repeats, server, cpu)
    statuses = ", ".join(f"{k} {v:,}" for k, v in out["summary"].items() if v)
    say(f"| reconcile {len(findings):,} findings, township {township} | {out['entries_considered']:,} | "
        f"{fmt_spread(times, ' s', 2)} | {fmt_spread(cpu, ' s', 2)} | < 0.5 s | {statuses} |")
    cpu = []
    times, out = timed_request(lambda: get(server.port, "/api/v1/crosscheck/flags?limit=1", admin_token), repeats,
                               server, cpu)
    counts = ", ".join(f"{k} {v:,}" for k, v in out["counts"].items() if v)
    say(f"| every flag, whole county ({out['scope']['villages']} villages) | {out['entries']:,} | "
        f"{fmt_spread(times, ' s', 2)} | {fmt_spread(cpu, ' s', 2)} | < 2 s | {counts} |")
    say()
    say("Server CPU: user + system seconds of the server process during the request (/proc/PID/stat), "
        "which other work on the machine does not inflate; several threads may make it exceed the wall time.")
    say()


# Not measured against plants: every generated expense lacks a scan, and the generator writes no
# receipts, so the receipt rules have nothing to find (see BENCHMARKS.md).
RECEIPT_RULES = ("missing_receipt", "receipt_reused", "invoice_reused", "invoice_mismatch")


def read_plants(data):
    path = os.path.join(data, "plants.jsonl")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def all_flags(port, token, rules):
    """Every flag of `rules` over the county, page by page (each page recomputes the run)."""
    flags, offset, counts, seconds = [], 0, None, []
    while offset is not None:
        query = urllib.parse.urlencode({"rules": ",".join(rules), "limit": 5000, "offset": offset})
        started = time.perf_counter()
        status, body = get(port, f"/api/v1/crosscheck/flags?{query}", token)
        seconds.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"flags request failed: {status} {body[:300]!r}")
        page = json.loads(body)
        counts = counts or page["counts"]
        flags.extend(page["flags"])
        offset = page["next_offset"]
    return flags, counts, seconds


# `benford` is scored as two rows: its year test (flags naming a village) and its township test.
BENFORD_ROWS = ("benford (village-years)", "benford (townships)")


def unit_of(rule, flag_or_plant, is_plant):
    """What a set rule's precision and recall count: townships for benford's township test,
    village-years for its year test and for voucher_gap."""
    if rule == "benford (townships)":
        return flag_or_plant.get("township_code") if is_plant or not flag_or_plant.get("village_code") else None
    if is_plant:
        return (flag_or_plant["village_code"], flag_or_plant["fiscal_year"])
    if not flag_or_plant.get("village_code"):
        return None
    return (flag_or_plant["village_code"], flag_or_plant["figures"].get("fiscal_year"))


def score(rule, plants, flags):
    """(flags, true flags, plants, plants found, found plant indices) for one rule."""
    if rule in BENFORD_ROWS + ("voucher_gap",):
        planted = {unit_of(rule, p, True) for p in plants}
        flagged = {unit_of(rule, f, False) for f in flags} - {None}
        found = planted & flagged
        hit = {i for i, p in enumerate(plants) if unit_of(rule, p, True) in found}
        return len(flagged), len(flagged & planted), len(planted), len(found), hit
    owner = {}
    for i, p in enumerate(plants):
        for e in p["entry_ids"]:
            owner[e] = i
    true_flags, hit = 0, set()
    for f in flags:
        touched = {owner[e] for e in f["entry_ids"] if e in owner}
        true_flags += bool(touched)
        hit |= touched
    return len(flags), true_flags, len(plants), len(hit), hit


def ratio(a, b):
    return f"{a / b:.3f}" if b else "–"


def descriptions(db, ids):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    out = collections.Counter()
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        marks = ",".join("?" * len(chunk))
        for (d,) in conn.execute(f"SELECT description FROM entries WHERE id IN ({marks})", chunk):
            out[d] += 1
    return out


def precision_section(a, server, token, say):
    plants = read_plants(a.data)
    if plants is None:
        return
    status, body = get(server.port, "/api/v1/crosscheck/rules", token)
    rules = [r for r in json.loads(body)["rules"] if r not in RECEIPT_RULES]
    flags, counts, seconds = all_flags(server.port, token, rules)
    _, body = get(server.port, "/api/v1/crosscheck/flags?rules=missing_receipt&limit=1", token)
    counts.update(json.loads(body)["counts"])
    conn = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
    per_village = dict(conn.execute("SELECT village_code, COUNT(*) FROM entries GROUP BY 1").fetchall())
    total_entries = sum(per_village.values())
    planted_villages = {p["village_code"] for p in plants}
    clean_entries = sum(n for v, n in per_village.items() if v not in planted_villages)
    say("### 5b. Flag rules against planted irregularities")
    say()
    say(f"{len(plants):,} plants in {len(planted_villages)} of {len(per_village)} villages (`plants.jsonl`); "
        f"{total_entries:,} entries, {clean_entries:,} of them in villages with no plants. Every flag of the "
        f"rules below fetched in {len(seconds)} page(s) of 5,000 ({sum(seconds):.1f} s). A flag is true when it "
        "names an entry of a plant of its rule; a plant is found when a flag of its rule names one of its "
        "entries. `benford`'s year test and `voucher_gap` count village-years, its township test townships (planted: a township with a planted village). The receipt rules "
        f"({', '.join(RECEIPT_RULES)}) are not measured: the generator writes no receipts.")
    say()
    say("| rule | flags | true | precision | plants | found | recall | flags / 1,000 entries, unplanted villages |")
    say("|---|---:|---:|---:|---:|---:|---:|---:|")
    by_rule = collections.defaultdict(list)
    for f in flags:
        if f["rule"] == "benford":
            by_rule[BENFORD_ROWS[0] if f.get("village_code") else BENFORD_ROWS[1]].append(f)
        else:
            by_rule[f["rule"]].append(f)
    rows = [r for r in rules if r != "benford"] + [r for r in BENFORD_ROWS if "benford" in rules]
    found_by_kind = collections.Counter()
    clean_total = 0
    for rule in rows:
        rule_plants = [p for p in plants if p["rule"] == rule.split(" ")[0]]
        n, true, planted, found, hit = score(rule, rule_plants, by_rule[rule])
        for i in hit if rule != BENFORD_ROWS[1] else ():
            found_by_kind[rule_plants[i]["kind"]] += 1
        clean = [f for f in by_rule[rule] if f.get("village_code") and f["village_code"] not in planted_villages]
        clean_total += len(clean)
        rate = f"{1000 * len(clean) / clean_entries:.3f}" if clean_entries and rule != BENFORD_ROWS[1] else "–"
        say(f"| {rule} | {n:,} | {true:,} | {ratio(true, n)} | {planted:,} | {found:,} | {ratio(found, planted)} | "
            f"{rate} |")
    say(f"| all | {sum(len(by_rule[r]) for r in rows):,} | | | {len(plants):,} | | | "
        f"**{1000 * clean_total / max(clean_entries, 1):.3f}** |")
    say()
    say(f"missing_receipt: {counts.get('missing_receipt', 0):,} flags over the county (every generated expense "
        "of 200 yuan or more lacks a scan), not in the table.")
    say()
    say("Recall by planted kind (the sidesteps of issue 17):")
    say()
    say("| kind | plants | found |")
    say("|---|---:|---:|")
    for kind, n in collections.Counter(p["kind"] for p in plants).items():
        say(f"| {kind} | {n} | {found_by_kind[kind]} |")
    say()
    noisy = [(r, [f for f in by_rule[r] if f.get("village_code") and f["village_code"] not in planted_villages])
             for r in rows]
    noisy = [(r, fs) for r, fs in noisy if fs]
    if noisy:
        say("What the flags on unplanted villages are about (descriptions of their entries, most frequent first):")
        say()
        for rule, fs in noisy:
            top = descriptions(a.db, [e for f in fs for e in f["entry_ids"]]).most_common(4)
            listed = ", ".join(f"{d} {n:,}" for d, n in top) or "no entries (a set flag)"
            say(f"- {rule} ({len(fs):,} flags): {listed}")
        say()


def main():
    p = argparse.ArgumentParser(description="section 5 alone, on a generated county")
    p.add_argument("--bin", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--repeats", type=int, default=3, help="runs of each timed request")
    p.add_argument("--no-timing", action="store_true", help="only the precision and recall")
    p.add_argument("--no-precision", action="store_true", help="only the timings")
    a = p.parse_args()
    a.db = os.path.join(a.data, "ledger.db")
    a.county_repeats = a.repeats - 1
    server = Server(a.bin, a.data, os.path.join(a.data, "bench-server.log"))

    def say(line=""):
        print(line)
    try:
        token = login(server.port, "admin", "admin-county-2026")
        if not a.no_timing:
            section(a, server, token, say)
        if not a.no_precision:
            precision_section(a, server, token, say)
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
