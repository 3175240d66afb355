#!/usr/bin/env python3
"""Crash safety: several clients post entries, reversals and receipt scans against the release server while
it is killed with SIGKILL at random moments and restarted. Afterwards every write that was
acknowledged with a 2xx must be present and intact, nothing unacknowledged may be half-present,
and SQLite's integrity_check must pass.

Usage: crash.py BINARY [--kills N] [--seed S]
"""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import struct
import urllib.error
import urllib.request
import zlib
import hashlib

BIN = sys.argv[1]
KILLS = int(sys.argv[sys.argv.index("--kills") + 1]) if "--kills" in sys.argv else 6
SEED = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 20261127
CLIENTS = 4
VILLAGES = ["331022102201", "331022102202", "331022102203", "331022102217"]
rng = random.Random(SEED)

data_dir = tempfile.mkdtemp(prefix="vl-crash-")
port = 19000 + rng.randrange(500)
base = f"http://127.0.0.1:{port}"
server = None


def start():
    global server
    log = open(os.path.join(data_dir, "server.log"), "ab")
    server = subprocess.Popen(
        [BIN, "demo", "--data-dir", data_dir, "--bind", f"127.0.0.1:{port}"],
        stdout=log, stderr=log, env={**os.environ, "VL_LOG": "warn"},
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.1)
    raise SystemExit("server did not become ready")


def call(method, path, token=None, body=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def token():
    status, body = call("POST", "/api/v1/auth/token", body={"username": "clerk-zhuao", "password": "zhuao-clerk-2026"})
    assert status == 200, body
    return body["access_token"]


def png(seed):
    """A small unique grey PNG, made without any imaging library."""
    r = random.Random(seed)
    w = h = 16
    raw = b"".join(b"\x00" + bytes(r.randrange(256) for _ in range(w)) for _ in range(h))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def upload(path, token, data):
    boundary = "crash-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.png\"\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(base + path, data=body, method="POST")
    req.add_header("content-type", f"multipart/form-data; boundary={boundary}")
    req.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


lock = threading.Lock()
receipts = {}          # receipt id -> sha256 of the uploaded bytes
acknowledged = {}      # entry id -> what was posted
reversals = {}         # original id -> reversal id
attempted_vouchers = set()
stop = threading.Event()


def client(n):
    crng = random.Random(SEED + n)
    tok = None
    i = 0
    pending = None  # a write to retry after a crash, same content (idempotent)
    while not stop.is_set():
        try:
            if tok is None:
                tok = token()
            if pending is None and acknowledged and crng.random() < 0.15:
                with lock:
                    mine = [k for k, v in acknowledged.items() if v["client"] == n]
                if mine:
                    data = png(SEED * 1000 + n * 100000 + i)
                    i += 1
                    pending = ("upload", crng.choice(mine), data)
            if pending is None:
                if acknowledged and crng.random() < 0.2:
                    with lock:
                        candidates = [k for k, v in acknowledged.items() if v["client"] == n and k not in reversals]
                    if candidates:
                        pending = ("reverse", crng.choice(candidates))
                if pending is None:
                    i += 1
                    village = VILLAGES[(n + i) % len(VILLAGES)]
                    body = {
                        "voucher_no": f"CR-{n}-{i:05d}", "occurred_on": f"2026-11-{1 + i % 26:02d}",
                        "direction": "expense", "amount_fen": 100 + crng.randrange(10_000_000),
                        "account_code": "513", "settlement_account_code": "102",
                        "counterparty": f"崩溃测试客户{n}", "description": f"断电测试支出 {i}",
                    }
                    pending = ("post", village, body)
                    with lock:
                        attempted_vouchers.add((village, body["voucher_no"]))
            if pending[0] == "upload":
                _, entry_id, data = pending
                status, rec = upload(f"/api/v1/entries/{entry_id}/receipts", tok, data)
                if status in (200, 201):
                    with lock:
                        receipts[rec["id"]] = hashlib.sha256(data).hexdigest()
                    pending = None
                elif status == 401:
                    tok = None
                else:
                    raise SystemExit(f"unexpected {status} uploading: {rec}")
            elif pending[0] == "post":
                _, village, body = pending
                status, entry = call("POST", f"/api/v1/villages/{village}/entries", tok, body)
                if status in (200, 201):
                    with lock:
                        acknowledged[entry["id"]] = {**body, "village": village, "client": n}
                    pending = None
                elif status == 401:
                    tok = None
                else:
                    raise SystemExit(f"unexpected {status} posting: {entry}")
            else:
                _, original = pending
                status, rev = call("POST", f"/api/v1/entries/{original}/reversal", tok, {"reason": "崩溃测试冲销"})
                if status in (200, 201):
                    with lock:
                        reversals[original] = rev["id"]
                    pending = None
                elif status == 401:
                    tok = None
                else:
                    raise SystemExit(f"unexpected {status} reversing: {rev}")
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(0.05)  # the server is down: retry the same write once it is back


start()
threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
for t in threads:
    t.start()
for k in range(KILLS):
    time.sleep(0.5 + rng.random() * 2.0)
    server.send_signal(signal.SIGKILL)
    server.wait()
    start()
time.sleep(2.0)
stop.set()
for t in threads:
    t.join(timeout=30)

# Verify against the running server and the database file.
tok = token()
missing, wrong = [], []
for entry_id, posted in acknowledged.items():
    status, entry = call("GET", f"/api/v1/entries/{entry_id}", tok)
    if status != 200:
        missing.append(entry_id)
        continue
    for field in ("voucher_no", "occurred_on", "amount_fen", "account_code", "counterparty", "description"):
        if entry[field] != posted[field]:
            wrong.append((entry_id, field))
    if entry_id in reversals and entry["reversed_by"] != reversals[entry_id]:
        wrong.append((entry_id, "reversed_by"))
for original, rev in reversals.items():
    status, entry = call("GET", f"/api/v1/entries/{rev}", tok)
    if status != 200 or entry["reverses"] != original or entry["amount_fen"] != -acknowledged[original]["amount_fen"]:
        wrong.append((rev, "reversal"))
for receipt_id, sha in receipts.items():
    status, rec = call("GET", f"/api/v1/receipts/{receipt_id}", tok)
    if status != 200 or rec["sha256"] != sha:
        wrong.append((receipt_id, "receipt"))
server.send_signal(signal.SIGTERM)
server.wait(timeout=60)

# Receipt files: every acknowledged original is on disk with its bytes; no file without a row.
store = os.path.join(data_dir, "receipts")
on_disk = {}
for root, _, files in os.walk(os.path.join(store, "originals")):
    for f in files:
        with open(os.path.join(root, f), "rb") as fh:
            on_disk[f] = hashlib.sha256(fh.read()).hexdigest()
known_shas = {row[0] for row in sqlite3.connect(os.path.join(data_dir, "ledger.db")).execute("SELECT sha256 FROM receipts")}
orphans = [f for f in on_disk if f not in known_shas]
missing_files = [s for s in receipts.values() if on_disk.get(s) != s]
stray_tmp = os.listdir(os.path.join(store, "tmp")) if os.path.isdir(os.path.join(store, "tmp")) else []

db = sqlite3.connect(os.path.join(data_dir, "ledger.db"))
integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
rows = db.execute("SELECT id, village_code, voucher_no, amount_fen, reverses FROM entries WHERE voucher_no LIKE 'CR-%' OR voucher_no LIKE '红冲-CR-%'").fetchall()
half = []
for entry_id, village, voucher, amount, reverses in rows:
    base_voucher = voucher.removeprefix("红冲-")
    if (village, base_voucher) not in attempted_vouchers:
        half.append((entry_id, "never attempted"))
    if reverses is not None:
        orig = db.execute("SELECT amount_fen FROM entries WHERE id = ?", (reverses,)).fetchone()
        if orig is None or orig[0] != -amount:
            half.append((entry_id, "reversal without its original"))
versions_ok = all(
    v >= n for v, n in db.execute(
        "SELECT v.ledger_version, (SELECT COUNT(*) FROM entries e WHERE e.village_code = v.code AND e.posted_by <> 'demo-import') FROM villages v"
    )
)
print(f"crash test: kills={KILLS} writes_acknowledged={len(acknowledged) + len(reversals) + len(receipts)} "
      f"(entries={len(acknowledged)}, reversals={len(reversals)}, receipts={len(receipts)}) rows_found={len(rows)} "
      f"missing={len(missing)} wrong={len(wrong)} half_present={len(half)} receipt_files_missing={len(missing_files)} "
      f"orphan_files={len(orphans)} integrity={integrity}")
ok = (not missing and not wrong and not half and integrity == "ok" and versions_ok and KILLS >= 5 and acknowledged
      and receipts and not missing_files and not orphans)
if not ok:
    print("missing:", missing[:10], "wrong:", wrong[:10], "half:", half[:10], "versions_ok:", versions_ok,
          "missing files:", missing_files[:5], "orphans:", orphans[:5], "tmp:", stray_tmp[:5], file=sys.stderr)
    sys.exit(1)
print("1 passed, 0 failed")
