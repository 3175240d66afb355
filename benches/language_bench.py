"""Section 7 of the benchmark: the same page of 200 red flags served in Chinese and in English
(issue 21). Both are one HTTP request to the release server over the flags of the county's
busiest township, asked alternately so that both languages meet the same machine state; the
figure is the median time per language and their ratio. The target: Chinese costs at most 10 %
over English.

    python3 benches/language_bench.py --bin target/release/village-ledger --data DIR
"""

import http.client
import json
import statistics
import time

from benchlib import HOST

import argparse
import os
import sqlite3
import sys

PATH = "/api/v1/crosscheck/flags?limit=200&township="


def busiest_township(db):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    return conn.execute(
        "SELECT township_code FROM villages GROUP BY township_code ORDER BY COUNT(*) DESC, 1 LIMIT 1"
    ).fetchone()[0]


def fetch(port, token, path, lang):
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}", "Accept-Language": lang})
    res = conn.getresponse()
    body = res.read()
    conn.close()
    return res.status, res.getheader("Content-Language"), body


def section(a, server, token, say):
    say("## 7. Texts in the caller's language: 200 flags in Chinese and in English")
    say()
    rounds = max(5, a.county_repeats * 5)
    path = PATH + busiest_township(a.db)
    times = {"zh-CN": [], "en": []}
    sizes, flags = {}, 0
    for lang in times:  # warm-up, and the check that each language is what was asked
        status, got, body = fetch(server.port, token, path, lang)
        if status != 200 or got != lang:
            raise RuntimeError(f"flags in {lang}: {status} {got} {body[:300]!r}")
        sizes[lang] = len(body)
        flags = len(json.loads(body)["flags"])
    for n in range(rounds):
        order = ["zh-CN", "en"] if n % 2 == 0 else ["en", "zh-CN"]
        for lang in order:
            started = time.perf_counter()
            status, _, _ = fetch(server.port, token, path, lang)
            times[lang].append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"flags in {lang}: {status}")
    zh, en = statistics.median(times["zh-CN"]), statistics.median(times["en"])
    say(f"`GET {path}` as an admin ({flags} flags on the page), {rounds} requests per language, alternated.")
    say()
    say("| Accept-Language | median | min | max | body |")
    say("|---|---|---|---|---|")
    for lang, t in times.items():
        say(f"| {lang} | {zh * 1000 if lang == 'zh-CN' else en * 1000:.1f} ms | {min(t) * 1000:.1f} ms | "
            f"{max(t) * 1000:.1f} ms | {sizes[lang]:,} bytes |")
    say()
    say(f"Chinese / English: **{zh / en:.3f}** (target ≤ 1.10).")
    say()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--rounds", type=int, default=10)
    a = p.parse_args()
    a.db = os.path.join(a.data, "ledger.db")
    a.county_repeats = max(1, a.rounds // 5)
    from benchlib import Server, login

    server = Server(a.bin, a.data, os.path.join(a.data, "language-bench-server.log"))
    try:
        section(a, server, login(server.port, "admin", "admin-county-2026"), print)
    finally:
        server.stop()


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
