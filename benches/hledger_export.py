#!/usr/bin/env python3
"""Writes entries of a village-ledger SQLite database as an hledger journal.

One transaction per entry, so `hledger balance --depth 2` gives the balances by account of
the whole selection, and `--depth 3` by account and village:

    2024-03-12 (2024-0012) 付保洁员工资 | 叶建平
        expense:514:331022001201    2200.00
        settlement:101:331022001201

Income is credited (negative, as hledger shows income), expense debited; red-ink reversals
carry their negative amount. Amounts are written from integer fen, never through floats.

usage: hledger_export.py DB OUT [--village CODE] [--year YEAR]
"""

import argparse
import sqlite3
import sys


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def clean(text: str) -> str:
    # `;` starts a comment and a newline ends the line in a journal.
    return text.replace(";", "；").replace("\n", " ").replace("|", "｜")


def export(db: str, out: str, village: str | None, year: int | None) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    where, args = [], []
    if village:
        where.append("village_code = ?")
        args.append(village)
    if year:
        where.append("fiscal_year = ?")
        args.append(year)
    sql = (
        "SELECT village_code, occurred_on, voucher_no, direction, amount_fen, account_code, "
        "settlement_account_code, description, counterparty FROM entries"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY village_code, occurred_on, seq"
    )
    n = 0
    with open(out, "w", encoding="utf-8") as f:
        for v, on, voucher, direction, fen, account, settlement, description, party in conn.execute(sql, args):
            if direction == "income":
                side, amount = f"income:{account}:{v}", -fen
            else:
                side, amount = f"expense:{account}:{v}", fen
            f.write(
                f"{on} ({clean(voucher)}) {clean(description)} | {clean(party)}\n"
                f"    {side}    {yuan(amount)}\n"
                f"    settlement:{settlement}:{v}\n\n"
            )
            n += 1
    return n


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("db")
    p.add_argument("out")
    p.add_argument("--village")
    p.add_argument("--year", type=int)
    a = p.parse_args()
    n = export(a.db, a.out, a.village, a.year)
    print(f"{n} transactions written to {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
