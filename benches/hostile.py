"""The hostile requests of issue 13, sent to the release binary serving the demo county: each
must be answered with a 4xx problem document (or 503 with Retry-After) within its time, the
server must stay up, its memory must stay within the documented bound, and no CPU may be spent
after an answer. Prints a Markdown table (for BENCHMARKS.md) and exits 1 on any violation.

    python3 benches/hostile.py --bin target/release/village-ledger [--report FILE]

Standard library only.
"""

import argparse
import http.client
import io
import json
import os
import socket
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import HOST, Server, login  # noqa: E402

VILLAGE = "331022102201"  # 坎头村, township 331022102000 (珠岙镇)
TOWNSHIP = "331022102000"
MIB = 1024 * 1024
# Memory one request may hold beyond its body (README, "Hostile callers").
REQUEST_BOUND = 64 * MIB
# What a reconciliation holds beyond its body: findings and indexes, plus its scope's entries.
RECONCILE_BOUND = 100 * MIB
RECONCILE_PER_ENTRY = 2500
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def send(port, method, path, token, content_type, body, timeout=60):
    """One request; `body` is bytes or an iterator of chunks (sent chunked). Returns
    (status, headers, body bytes, seconds to the answer, bytes of the body sent)."""
    sock = socket.create_connection((HOST, port), timeout=timeout)
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    chunked = not isinstance(body, (bytes, bytearray))
    head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {len(body)}\r\n"
    started = time.perf_counter()
    sock.sendall((head + "\r\n").encode())
    sent = 0
    try:
        if chunked:
            sock.setblocking(False)
            for chunk in body:
                if answered(sock):
                    break
                data = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
                try:
                    sock.send(data)
                    sent += len(chunk)
                except BlockingIOError:
                    time.sleep(0.001)
            sock.setblocking(True)
            sock.settimeout(timeout)
        else:
            sock.sendall(body)
            sent = len(body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed without reading the rest
    raw = b""
    try:
        while True:
            part = sock.recv(65536)
            if not part:
                break
            raw += part
            if b"\r\n\r\n" in raw and not raw.startswith(b"HTTP/1.1 100"):
                head_end = raw.index(b"\r\n\r\n")
                length = [
                    int(line.split(b":")[1])
                    for line in raw[:head_end].split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ]
                if length and len(raw) >= head_end + 4 + length[0]:
                    break
    except (ConnectionResetError, socket.timeout):
        pass
    elapsed = time.perf_counter() - started
    sock.close()
    if b"\r\n\r\n" not in raw:
        return 0, {}, b"", elapsed, sent
    head, rest = raw.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
    return status, headers, rest, elapsed, sent


def answered(sock):
    try:
        return bool(sock.recv(1, socket.MSG_PEEK))
    except BlockingIOError:
        return False
    except OSError:
        return True


def endless(chunk=b"[" * 1024, limit=2 * 1024 * MIB):
    sent = 0
    while sent < limit:
        sent += len(chunk)
        yield chunk


def multipart(fields, file_bytes, filename="findings.xlsx"):
    boundary = "hostile-boundary-7f3a"
    out = io.BytesIO()
    for name, value in fields:
        out.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n".encode())
        out.write(value.encode() + b"\r\n")
    out.write(
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n".encode()
    )
    out.write(file_bytes + f"\r\n--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", out.getvalue()


WORKBOOK_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
}
SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def workbook(sheet_xml, shared_xml=None, extra=()):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in WORKBOOK_PARTS.items():
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        z.writestr(
            "xl/sharedStrings.xml",
            shared_xml
            or '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>',
        )
        for name, data in extra:
            z.writestr(name, data)
    return out.getvalue()


HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>日期</t></is></c><c r="B1" t="inlineStr"><is><t>金额</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>收款人</t></is></c></row>'
)


def sst_declaring_1e15():
    shared = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'count="1000000000000000" uniqueCount="1000000000000000"><si><t>x</t></si></sst>'
    )
    row = '<row r="2"><c r="A2"><v>45000</v></c><c r="B2"><v>1</v></c><c r="C2" t="s"><v>1000000000000</v></c></row>'
    return workbook(SHEET_HEAD + "<sheetData>" + HEADER_ROW + row + "</sheetData></worksheet>", shared)


def million_cells_one_30mb_string():
    shared = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
        + "张" * (10 * MIB)  # 30 MB of UTF-8
        + "</t></si></sst>"
    )
    row = "".join('<c t="s"><v>0</v></c>' for _ in range(50))
    rows = "".join(f'<row r="{n}">{row}</row>' for n in range(2, 20_002))
    return workbook(SHEET_HEAD + "<sheetData>" + HEADER_ROW + rows + "</sheetData></worksheet>", shared)


def billion_rows():
    rows = "".join(
        f'<row r="{n}"><c r="A{n}"><v>45000</v></c><c r="B{n}"><v>1</v></c></row>'
        for n in range(10**9 - 50_000, 10**9)
    )
    return workbook(
        SHEET_HEAD + '<dimension ref="A1:XFD1000000000"/><sheetData>' + HEADER_ROW + rows + "</sheetData></worksheet>"
    )


def deeply_nested():
    depth = 1_000_000
    return workbook(SHEET_HEAD + "<sheetData>" + HEADER_ROW + "<x>" * depth + "</x>" * depth + "</sheetData></worksheet>")


def lying_sizes():
    """A workbook whose sheet's local and central headers declare 100 bytes for 50 MB."""
    data = bytearray(
        workbook(SHEET_HEAD + "<sheetData>" + HEADER_ROW + "<row r=\"2\">" + "<c><v>1</v></c>" * 3_000_000 + "</row></sheetData></worksheet>")
    )
    name = b"xl/worksheets/sheet1.xml"
    at = 0
    while True:
        at = data.find(name, at)
        if at < 0:
            break
        if data[at - 30 : at - 26] == b"PK\x03\x04":
            data[at - 8 : at - 4] = (100).to_bytes(4, "little")
        elif data[at - 46 : at - 42] == b"PK\x01\x02":
            data[at - 22 : at - 18] = (100).to_bytes(4, "little")
        at += 1
    return bytes(data)


def hundred_thousand_entries():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name, text in WORKBOOK_PARTS.items():
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", SHEET_HEAD + "<sheetData>" + HEADER_ROW + "</sheetData></worksheet>")
        for n in range(100_000):
            z.writestr(f"x/{n}", b"")
    return out.getvalue()


def csv_one_16mb_line():
    return b"9" * (16 * 1000 * 1000)


def worst_reconciliation(n=20_000):
    findings = [
        {"ref": f"F-{i}", "date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", "amount_fen": 100 + (i * 7919) % 5_000_000}
        for i in range(n)
    ]
    return json.dumps(
        {
            "township": TOWNSHIP,
            "date_window_days": 366,
            "date_search_days": 3660,
            "amount_tolerance_fen": 100_000_000,
            "amount_tolerance_percent": 100,
            "name_similarity": 0,
            "max_split_parts": 5,
            "include_unmatched_entries": True,
            "findings": findings,
        }
    ).encode()


def cases(tokens):
    reconcile = "/api/v1/crosscheck/reconcile"
    sheet = lambda build, user="clerk": lambda: (user, "POST", reconcile, *multipart([("village", VILLAGE)], build()))  # noqa: E731
    yield "villager streams an endless body at reconcile", lambda: ("villager", "POST", reconcile, "multipart/form-data; boundary=x", endless()), 1.0
    yield "villager streams an endless body at posting", lambda: ("villager", "POST", f"/api/v1/villages/{VILLAGE}/entries", "application/json", endless()), 1.0
    yield "villager sends the 10^15 shared strings workbook", sheet(sst_declaring_1e15, "villager"), 1.0
    yield "XLSX: shared strings count 10^15", sheet(sst_declaring_1e15), 1.0
    yield "XLSX: 1,000,000 cells → one 30 MB string", sheet(million_cells_one_30mb_string), 1.0
    yield "XLSX: rows numbered up to 10^9", sheet(billion_rows), 1.0
    yield "XLSX: 1,000,000 nested elements", sheet(deeply_nested), 1.0
    yield "XLSX: headers declare 100 B for 9 MB", sheet(lying_sizes), 1.0
    yield "XLSX: 100,000 zip entries", sheet(hundred_thousand_entries), 1.0
    yield "CSV: one 16 MB line", lambda: ("clerk", "POST", reconcile, *multipart([("village", VILLAGE)], csv_one_16mb_line(), "f.csv")), 1.0
    yield "JSON: 15 MB `village` option", lambda: ("clerk", "POST", reconcile, "application/json", json.dumps({"village": "9" * (15 * MIB), "findings": []}).encode()), 1.0
    yield "JSON: arrays nested 100,000 deep", lambda: ("clerk", "POST", reconcile, "application/json", b"[" * 100_000 + b"]" * 100_000), 1.0
    yield "worst reconciliation: 20,000 findings, widest tolerances", lambda: ("clerk", "POST", reconcile, "application/json", worst_reconciliation()), None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--report")
    parser.add_argument("--timeout-seconds", default="5", help="VL_REQUEST_TIMEOUT_SECONDS of the server")
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="vl-hostile-")
    os.environ["VL_REQUEST_TIMEOUT_SECONDS"] = args.timeout_seconds
    # The demo's scans without a QR code are searched again in the background after start-up;
    # that work would show as CPU after the answers measured here, so this server runs none.
    os.environ["VL_QR_SEARCH_WORKERS"] = "0"
    server = Server(args.bin, data, os.path.join(data, "server.log"), command="demo")
    failures = []
    rows = []
    try:
        tokens = {
            "clerk": login(server.port, "clerk-zhuao", "zhuao-clerk-2026"),
            "villager": login(server.port, "villager-kantou", "kantou-demo-2026"),
        }
        for name, build, limit_s in cases(tokens):
            user, method, path, content_type, body = build()
            size = len(body) if isinstance(body, (bytes, bytearray)) else None
            # Each case's own peak: VmHWM is reset to the present RSS (Linux ≥ 4.0) before it.
            with open(f"/proc/{server.proc.pid}/clear_refs", "w") as f:
                f.write("5")
            rss_before = server.status_kb("VmRSS")
            status, headers, answer, seconds, sent = send(server.port, method, path, tokens[user], content_type, body)
            cpu_at_answer = cpu_seconds(server.proc.pid)
            time.sleep(1.5)
            cpu_after = cpu_seconds(server.proc.pid) - cpu_at_answer
            alive = server.proc.poll() is None
            hwm_growth = (server.status_kb("VmHWM") - rss_before) * 1024 if alive else None
            problem = headers.get("content-type", "").startswith("application/problem+json")
            ok_status = (400 <= status < 500 and problem) or (status == 503 and "retry-after" in headers) or (
                limit_s is None and status == 200
            )
            why = []
            if not ok_status:
                why.append(f"answered {status} {answer[:200]!r}")
            if not alive:
                why.append("the server died")
            if limit_s is not None and seconds > limit_s:
                why.append(f"took {seconds:.2f} s (limit {limit_s} s)")
            if cpu_after > 0.2:
                why.append(f"{cpu_after:.2f} s of CPU after the answer")
            bound = REQUEST_BOUND + (size or 0)
            if limit_s is None and status == 200:
                # A reconciliation also holds its scope's entries (README, "Hostile callers").
                considered = json.loads(answer.decode("utf-8", "replace") or "{}").get("entries_considered", 0)
                bound = RECONCILE_BOUND + RECONCILE_PER_ENTRY * considered + (size or 0)
            if hwm_growth is not None and hwm_growth > bound:
                why.append(f"peak memory grew {hwm_growth / MIB:.0f} MiB (bound {bound / MIB:.0f} MiB)")
            if why:
                failures.append(f"{name}: {'; '.join(why)}")
            rows.append(
                f"| {name} | {status} | {seconds * 1000:.0f} ms | "
                f"{(size or sent) / MIB:.1f} MiB{'' if size else ' sent of an endless body'} | "
                f"{(hwm_growth or 0) / MIB:.0f} MiB | {cpu_after:.2f} s |"
            )
            if not alive:
                break
    finally:
        server.stop()
    report = [
        "| hostile request | answer | time to answer | body | peak RSS growth during the request | CPU after the answer |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
    ]
    text = "\n".join(report)
    print(text)
    if args.report:
        with open(args.report, "a") as f:
            f.write("\n## Hostile requests (release build, demo county)\n\n" + text + "\n")
    if failures:
        print("\nFAILED:\n" + "\n".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
