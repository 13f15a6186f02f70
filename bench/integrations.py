"""Integration benchmarks.

- an Odoo pull of 100,000 hr.expense records from the stand-in (XML-RPC on 127.0.0.1) into a new bronze table
  at the default limit of 100 requests a minute, for two page sizes, against fetching the same pages straight
  from the stand-in with `xmlrpc.client` and no limiter, bookkeeping or database
- the cost of reading a secret per request (the stored Odoo key: a row read and a Fernet decryption) against
  the row read alone
"""

from __future__ import annotations

import os
import time
import uuid
import xmlrpc.client

from bench.common import bench_user, summary, write
from devtools.odoo_peer import OdooPeer, running_odoo
from services.core import db, secrets
from services.integrations import odoo, odoo_pull

RECORDS = 100_000
PAGE_SIZES = (1000, 5000)
READS = 2000


def _admin():
    return bench_user("integrations-bench@example.com", "admin", "Integrations bench")


def _peer() -> OdooPeer:
    peer = OdooPeer()
    peer.records["hr.expense"] = {
        i: {"id": i, "name": f"claim {i}", "total_amount": round(i * 1.37, 2), "state": "approved",
            "employee_id": [i % 300 + 1, f"Employee {i % 300 + 1}"], "currency_id": [1, "PHP"],
            "write_date": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00"}
        for i in range(1, RECORDS + 1)}
    return peer


def _direct(peer: OdooPeer, page_size: int) -> float:
    proxy = xmlrpc.client.ServerProxy(f"{peer.url}/xmlrpc/2/object", allow_none=True)
    started, offset = time.perf_counter(), 0
    while True:
        page = proxy.execute_kw(peer.database, peer.uid, peer.api_key, "hr.expense", "search_read", [[]],
                                {"order": "write_date asc, id asc", "limit": page_size, "offset": offset})
        offset += len(page)
        if len(page) < page_size:
            return time.perf_counter() - started


def odoo_pull_throughput() -> None:
    admin = _admin()
    os.environ.pop("WORKBENCH_ODOO_REQUESTS_PER_MINUTE", None)
    figures = {}
    with running_odoo(_peer()) as peer:
        odoo.configure(admin, peer.url, peer.database, peer.login, peer.api_key)
        for page_size in PAGE_SIZES:
            os.environ["WORKBENCH_ODOO_PAGE_SIZE"] = str(page_size)
            with db.connection() as conn:
                conn.execute("DELETE FROM ip_workbench.rate_events WHERE key = 'odoo'")
            baseline = _direct(peer, page_size)
            peer.calls.clear()
            result = odoo_pull.pull(admin, "hr.expense", f"bronze.bench_odoo_{uuid.uuid4().hex[:6]}")
            figures[page_size] = {"seconds": result.seconds, "records_per_s": result.inserted / result.seconds,
                                  "object_calls": len(peer.calls), "busiest_minute": peer.calls_in_any_minute(),
                                  "direct_seconds": baseline, "direct_records_per_s": RECORDS / baseline}
    os.environ.pop("WORKBENCH_ODOO_PAGE_SIZE", None)
    default = figures[1000]
    write("odoo_pull_100k", figure=default["records_per_s"], unit="records/s (page 1000, 100 requests/min)",
          baseline=default["direct_records_per_s"],
          baseline_label="the same pages fetched straight from the stand-in (no limiter, no database)",
          goal=">= 100 requests/min × page size / 60 = 1,667 records/s at page 1000",
          details={str(k): v for k, v in figures.items()})


def secret_read_cost() -> None:
    with db.connection() as conn:
        secrets.put(conn, "bench.secret", "x" * 40)
    decrypting, plain = [], []
    for _ in range(READS):
        started = time.perf_counter()
        with db.connection() as conn:
            secrets.get(conn, "bench.secret")
        decrypting.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with db.connection() as conn:
            conn.execute("SELECT ciphertext FROM ip_workbench.secrets WHERE name = 'bench.secret'").fetchone()
        plain.append((time.perf_counter() - started) * 1000)
    with db.connection() as conn:
        secrets.delete(conn, "bench.secret")
    d, p = summary(decrypting), summary(plain)
    write("secret_read_cost", figure=d["p50"] - p["p50"], unit="ms added per read (p50)", baseline=p["p50"],
          baseline_label="reading the same row without decrypting, p50", goal=None,
          details={"with_decryption_ms": d, "row_only_ms": p, "reads": READS})
