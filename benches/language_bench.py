"""Section 7 of the benchmark: the same page of 200 red flags served in Chinese and in English
(issue 21). Both are one HTTP request to the release server over the whole county's flags,
asked alternately so that both languages meet the same machine state; the figure is the median
time per language and their ratio. The target: Chinese costs at most 10 % over English."""

import http.client
import statistics
import time

from benchlib import HOST

PATH = "/api/v1/crosscheck/flags?limit=200"


def fetch(port, token, lang):
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    conn.request("GET", PATH, headers={"Authorization": f"Bearer {token}", "Accept-Language": lang})
    res = conn.getresponse()
    body = res.read()
    conn.close()
    return res.status, res.getheader("Content-Language"), body


def section(a, server, token, say):
    say("## 7. Texts in the caller's language: 200 flags in Chinese and in English")
    say()
    rounds = max(5, a.county_repeats * 5)
    times = {"zh-CN": [], "en": []}
    sizes = {}
    for lang in times:  # warm-up, and the check that each language is what was asked
        status, got, body = fetch(server.port, token, lang)
        if status != 200 or got != lang:
            raise RuntimeError(f"flags in {lang}: {status} {got} {body[:300]!r}")
        sizes[lang] = len(body)
    for n in range(rounds):
        order = ["zh-CN", "en"] if n % 2 == 0 else ["en", "zh-CN"]
        for lang in order:
            started = time.perf_counter()
            status, _, _ = fetch(server.port, token, lang)
            times[lang].append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"flags in {lang}: {status}")
    zh, en = statistics.median(times["zh-CN"]), statistics.median(times["en"])
    say(f"`GET {PATH}` as an admin (the whole county), {rounds} requests per language, alternated.")
    say()
    say("| Accept-Language | median | min | max | body |")
    say("|---|---|---|---|---|")
    for lang, t in times.items():
        say(f"| {lang} | {zh * 1000 if lang == 'zh-CN' else en * 1000:.1f} ms | {min(t) * 1000:.1f} ms | "
            f"{max(t) * 1000:.1f} ms | {sizes[lang]:,} bytes |")
    say()
    say(f"Chinese / English: **{zh / en:.3f}** (target ≤ 1.10).")
    say()
