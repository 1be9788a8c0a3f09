"""A bounded load test of `powerkb serve`, on this machine only.

Starts `python -m kb.cli serve` on 127.0.0.1 and a free port, sends a fixed number of requests
(default 2,000) from a fixed number of concurrent clients (default 50), then stops the server and
prints throughput, p50/p95/max latency and the error count. It never talks to another host and
it stops by itself.

    python bench/serve_load.py [--requests 2000] [--clients 50]

The requests cycle through the documented queries (docs/query-language.md) on /api/v1/query,
items and traces on /api/v1, and the query page itself (HTML), so the mix is what a browser and a
program would send.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def request_mix() -> list[tuple[str, dict]]:
    sys.path.insert(0, str(ROOT))
    from kb.serve.files import examples

    mix = [("/api/v1/query", {"q": q, "as_of": "2021-06-01"}) for q, _ in examples() if not q.startswith("diff")]
    mix += [("/api/v1/items/nea:ledger.23", {}), ("/api/v1/items/shanxi:ledger.task.6", {}),
            ("/api/v1/trace/1479:task.7", {}), ("/", {"q": "due <= 2021-12 and unit = 市能源局", "as_of": "2021-06-01"}),
            ("/items/nea:ledger.9", {})]
    return mix


class Connection:
    """One keep-alive HTTP/1.1 connection, spoken with asyncio streams: the load generator must
    cost less than the server it measures (httpx's pool, under 50 concurrent clients on two
    cores, was slower than the server itself)."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def get(self, target: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n\r\n".encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        else:  # chunked (not sent by this server for these requests) or close-delimited
            body = await self.reader.read()
            self.writer = None
        return status, body

    def close(self):
        if self.writer is not None:
            self.writer.close()


async def wait_up(port: int, proc) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        conn = Connection(port)
        try:
            if (await conn.get("/healthz"))[0] == 200:
                return
        except OSError:  # not listening yet
            pass
        finally:
            conn.close()
        await asyncio.sleep(0.1)
    raise SystemExit("the server did not start within 30 s")


async def load(port: int, total: int, clients: int, proc) -> dict:
    mix = [path + ("?" + urlencode(params) if params else "") for path, params in request_mix()]
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(total))
    await wait_up(port, proc)

    async def worker():
        conn = Connection(port)
        try:
            for n in counter:
                target = mix[n % len(mix)]
                t0 = time.perf_counter()
                try:
                    status, _ = await conn.get(target)
                    if status != 200:
                        errors.append(f"{status} {target}")
                except (OSError, asyncio.IncompleteReadError) as exc:
                    errors.append(f"{type(exc).__name__} {target}")
                    conn.close()
                    conn = Connection(port)
                latencies.append(time.perf_counter() - t0)
        finally:
            conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    wall = time.perf_counter() - t0
    lat = sorted(latencies)
    return {"requests": len(lat), "clients": clients, "seconds": round(wall, 2),
            "throughput_rps": round(len(lat) / wall, 1),
            "p50_ms": round(statistics.median(lat) * 1000, 1),
            "p95_ms": round(lat[int(len(lat) * 0.95) - 1] * 1000, 1),
            "max_ms": round(lat[-1] * 1000, 1), "errors": len(errors), "error_kinds": sorted(set(errors))[:10]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--workers", type=int, default=1, help="server worker processes")
    args = ap.parse_args()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "kb.cli", "serve", "--host", HOST, "--port", str(port),
                             "--workers", str(args.workers)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        result = asyncio.run(load(port, args.requests, args.clients, proc))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    result["workers"] = args.workers
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
