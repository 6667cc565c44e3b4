"""Throughput and latency of the API under gunicorn, measured from a separate load process on loopback.

Loads 1,000 accepted abstracts (2 to 8 authors each, with affiliations and keywords) into a PostgreSQL
database of its own (created if missing), starts gunicorn on it, and drives it with a multi-threaded
HTTP client running as another process:
    .venv/bin/python benchmarks/api.py [--abstracts 1000] [--workers 4] [--concurrency 8] [--seconds 15]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abstractbook_bench .venv/bin/python benchmarks/api.py
Prints requests per second and p50/p95 latency for the abstract list (100 a page) and the detail.
"""

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/abstractbook_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")

import benchmarks.indexes as index_benchmark

ROOT = Path(__file__).resolve().parent.parent

# --- The load process --------------------------------------------------------------------------------


def load(base: str, paths: list[str], concurrency: int, seconds: float) -> dict:
    """Request ``paths`` (at random) from ``concurrency`` threads for ``seconds``; one connection each
    request, as gunicorn's sync workers close it after every response."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        mine, bad = [], []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            connection.request("GET", rng.choice(paths), headers={"Accept": "application/json"})
            response = connection.getresponse()
            response.read()
            connection.close()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                bad.append(response.status)
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "failures": len(failures),
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
    }


# --- The driver ------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(workers: int) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {
        **os.environ,
        "API_THROTTLE_ANON": "1000000/minute",
        "DATABASE_CONN_MAX_AGE": "60",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "gunicorn", "conference.wsgi", "-b", f"127.0.0.1:{port}"]
    command += ["-w", str(workers), "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v1/events/", timeout=2):  # noqa: S310 - our own server
                return server, url
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.2)


def measure(url: str, name: str, paths: list[str], args) -> dict:
    command = [sys.executable, __file__, "--load", url, "--concurrency", str(args.concurrency)]
    command += ["--seconds", str(args.seconds), "--paths", json.dumps(paths)]
    # A warm-up round first (connections, caches), not counted.
    subprocess.run(
        [*command[:-4], "--seconds", "2", "--paths", json.dumps(paths)], check=True, capture_output=True
    )
    result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    result["name"] = name
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--abstracts", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        print(json.dumps(load(args.load, json.loads(args.paths), args.concurrency, args.seconds)))
        return

    index_benchmark.ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    event, authorships = index_benchmark.make_event(args.abstracts)
    ids = list(event.abstracts.values_list("pk", flat=True))
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(
        f"{len(ids)} accepted abstracts, {authorships} authorships; gunicorn -w {args.workers}, "
        f"{args.concurrency} client threads in a separate process, {args.seconds:.0f} s per endpoint; "
        f"{os.cpu_count()} CPUs shared by server and client"
    )
    connection.close()
    server, url = start_gunicorn(args.workers)
    try:
        pages = -(-len(ids) // 100)
        rng = random.Random(7)
        lists = [f"/api/v1/abstracts/?event={event.slug}&page_size=100&page={n}" for n in range(1, pages + 1)]
        details = [f"/api/v1/abstracts/{pk}/" for pk in rng.sample(ids, min(200, len(ids)))]
        print(f"{'endpoint':<38} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6}")
        for name, paths in (("abstract list (100 a page)", lists), ("abstract detail", details)):
            result = measure(url, name, paths, args)
            print(
                f"{name:<38} {result['requests']:>8} {result['rps']:>7.1f} {result['p50_ms']:>7.1f} "
                f"{result['p95_ms']:>7.1f} {result['failures']:>6}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
        event.delete()


if __name__ == "__main__":
    main()
