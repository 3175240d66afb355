"""Helpers of benches/bench.py: the server and nginx processes, HTTP on loopback, wrk runs,
and medians with their spread. Standard library only."""

import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import time

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def stats(values):
    """(median, min, max) of a list of numbers."""
    return statistics.median(values), min(values), max(values)


def fmt_spread(values, unit="", digits=1):
    """`median unit (min–max)`, or just the value when there is one."""
    med, lo, hi = stats(values)
    if len(values) == 1:
        return f"{med:.{digits}f}{unit}"
    return f"{med:.{digits}f}{unit} ({lo:.{digits}f}–{hi:.{digits}f})"


def http_get(port, path, token=None, timeout=30):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    conn.request("GET", path, headers=headers)
    res = conn.getresponse()
    body = res.read()
    conn.close()
    return res.status, body


def login(port, username, password):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    body = json.dumps({"username": username, "password": password})
    conn.request("POST", "/api/v1/auth/token", body=body, headers={"content-type": "application/json"})
    res = conn.getresponse()
    data = res.read()
    if res.status != 200:
        raise RuntimeError(f"sign-in of {username} failed: {res.status} {data[:200]!r}")
    return json.loads(data)["access_token"]


class Server:
    """`village-ledger serve` (or `demo`) on a loopback port; `startup_s` is launch → /readyz 200."""

    def __init__(self, binary, data_dir, log_path, limit_s=120, database_url=None, command="serve"):
        self.port = free_port()
        env = dict(os.environ, VL_DATA_DIR=data_dir, VL_BIND=f"{HOST}:{self.port}")
        if database_url:
            env["VL_DATABASE_URL"] = database_url
        self.log = open(log_path, "ab")
        started = time.perf_counter()
        self.proc = subprocess.Popen([binary, command], env=env, stdout=self.log, stderr=self.log)
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}; see {log_path}")
            if time.perf_counter() - started > limit_s:
                self.stop()
                raise RuntimeError(f"the server was not ready within {limit_s} s")
            try:
                status, _ = http_get(self.port, "/readyz", timeout=5)
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.005)
        self.startup_s = time.perf_counter() - started

    def status_kb(self, field):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Nginx:
    """nginx serving `root` as static files on a loopback port, in the foreground, as the
    current user, with a config generated here."""

    def __init__(self, root, work_dir):
        self.port = free_port()
        os.makedirs(work_dir, exist_ok=True)
        user = f"user {os.environ.get('USER', 'root')};" if os.geteuid() == 0 else ""
        conf = os.path.join(work_dir, "nginx.conf")
        temp = {k: os.path.join(work_dir, k) for k in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
        with open(conf, "w") as f:
            f.write(f"""{user}
worker_processes {os.cpu_count() or 1};
daemon off;
pid {work_dir}/nginx.pid;
error_log {work_dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {work_dir}/access.log;
    default_type application/json;
    sendfile on;
    # tcp_nopush (TCP_CORK) stalls some keep-alive responses for 40 ms (delayed ACK): off.
    tcp_nopush off;
    keepalive_requests 1000000;
    client_body_temp_path {temp['body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    server {{
        listen {HOST}:{self.port};
        root {root};
        location / {{ try_files $uri =404; }}
    }}
}}
""")
        self.log = open(os.path.join(work_dir, "nginx.out"), "ab")
        self.proc = subprocess.Popen(["nginx", "-p", work_dir, "-c", conf], stdout=self.log, stderr=self.log)
        for _ in range(500):
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"nginx did not start; see {work_dir}/error.log")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def wrk(url, connections, duration_s, script, token=None, urls=None):
    """One wrk run; returns its JSON summary (rps, p50_us, p99_us, errors …). `urls`: a file of
    paths to draw each request from (wrk-report.lua's VL_URLS)."""
    threads = 1 if connections == 1 else min(connections, os.cpu_count() or 1)
    env = dict(os.environ, VL_TOKEN=token or "", VL_URLS=urls or "")
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration_s}s", "--timeout", "10s", "-s", script, url]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration_s + 60, check=True).stdout
    m = re.search(r"^WRK_JSON (.*)$", out, re.M)
    if not m:
        raise RuntimeError(f"no summary from wrk: {out}")
    result = json.loads(m.group(1))
    result["errors"] = sum(v for k, v in result.items() if k.startswith("errors_"))
    return result


def timed(cmd, repeats, timeout=900):
    """Wall-clock seconds of `repeats` runs of a command, and its last stdout."""
    times, out = [], ""
    for _ in range(repeats):
        started = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True).stdout
        times.append(time.perf_counter() - started)
    return times, out
