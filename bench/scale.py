"""Scale-out (issue 12): ``python bench/scale.py`` (10,000 feeds x 30 items; ``--feeds`` for less).

Everything in one run, on this machine, against the same feeds served by nginx on 50 loopback addresses:

* **floor**: bare ``httpx`` + ``feedparser`` in one process (``bench/poll.py``'s floor);
* **single process**: ``monitor poll --no-pages`` on PostgreSQL, its parser processes one per core;
* **queue, 1 and 2 worker processes**: ``monitor run`` with a ``queue:`` section (a Redis of its own) puts every
  feed on the queue and ``monitor worker --concurrency N`` polls them, on PostgreSQL: cold-poll time from the
  scheduler's start until every feed is polled, feeds and articles per second, and each worker's peak memory
  (the worker's processes summed);
* **the queue's own cost per task**: every feed made due again and polled through the queue (all 304, so the
  work is nearly nothing but the queue) against the same warm poll in one process.

Each mode gets a fresh database. Prints a table, and ``--json`` a line for the README's capacity model.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _loopback import Nginx, TreeSampler, loopback_hosts
from poll import bench_resources, feed_path, floor_child, run_child

ADMIN = os.environ.get("MONITOR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def psql(sql: str, db: str = "test") -> str:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-tAc", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


class Database:
    def __init__(self) -> None:
        self.name = f"monitor_scale_{uuid.uuid4().hex[:8]}"
        psql(f'CREATE DATABASE "{self.name}"')
        self.url = f"postgresql://postgres@127.0.0.1:5432/{self.name}"

    def count(self, sql: str) -> int:
        return int(psql(sql, self.name) or 0)

    def drop(self) -> None:
        psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Redis:
    def __init__(self) -> None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
                              ).stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def write_config(folder: Path, db: str, urls: list[str], broker: str | None) -> Path:
    lines = [f"database: {db}", "defaults: {interval: 1h, language: en, fulltext: never}", "log: {level: warning}"]
    if broker:
        lines += ["queue:", f"  broker: {broker}", "  requeue_after: 1h"]
    lines.append("feeds:")
    for i, url in enumerate(urls):
        lines += [f"  - name: bench-{i:05d}", f"    url: {url}"]
    path = folder / "monitor.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def monitor(*args: str, config: Path, **kwargs: Any) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    return subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), *args], env=env,
                            cwd=config.parent, **kwargs)


def single(urls: list[str], work: Path) -> dict[str, Any]:
    db = Database()
    try:
        config = write_config(work, db.url, urls, None)
        subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "db", "upgrade"], check=True,
                       capture_output=True)
        out = {}
        for phase in ("cold", "warm"):
            started = time.perf_counter()
            proc = monitor("poll", "--no-pages", config=config, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            sampler = TreeSampler(proc.pid, 0.1)
            sampler.start()
            proc.wait()
            sampler.stop()
            out[phase] = {"seconds": time.perf_counter() - started, **sampler.summary()}
        out["articles"] = db.count("SELECT count(*) FROM articles")
        return out
    finally:
        db.drop()


def queued(urls: list[str], work: Path, processes: int, warm: bool) -> dict[str, Any]:
    db, redis = Database(), Redis()
    config = write_config(work, db.url, urls, redis.url)
    subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "db", "upgrade"], check=True,
                   capture_output=True)
    worker = monitor("worker", "--concurrency", str(processes), config=config, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
    scheduler = None
    try:
        time.sleep(3)  # the worker connects and starts its processes
        sampler = TreeSampler(worker.pid, 0.2)
        sampler.start()
        started = time.perf_counter()
        scheduler = monitor("run", config=config, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        total = len(urls)
        while db.count("SELECT count(*) FROM feeds WHERE last_polled_at IS NOT NULL") < total:
            time.sleep(0.5)
        cold = time.perf_counter() - started
        result: dict[str, Any] = {"cold_seconds": cold, "articles": db.count("SELECT count(*) FROM articles")}
        if warm:  # every feed due again: the queue carries nearly nothing but 304s
            marker = db.count("SELECT floor(extract(epoch FROM now()))")
            psql("UPDATE feeds SET next_poll_at = now() - interval '1 second'", db.name)
            started = time.perf_counter()
            while db.count(f"SELECT count(*) FROM feeds WHERE last_polled_at >= to_timestamp({marker})") < total:
                time.sleep(0.2)
            result["warm_seconds"] = time.perf_counter() - started
        sampler.stop()
        summary = sampler.summary()
        result.update({"worker_tree_peak_mb": summary["peak_tree_mb"], "worker_tree_pss_mb":
                       summary["peak_tree_pss_mb"], "largest_process_mb": max(summary["main_hwm_mb"],
                                                                             summary["largest_descendant_hwm_mb"])})
        return result
    finally:
        if scheduler is not None:
            scheduler.send_signal(signal.SIGTERM)
            scheduler.wait(60)
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        redis.stop()
        db.drop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=10_000)
    ap.add_argument("--items", type=int, default=30)
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    say = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    work = Path(tempfile.mkdtemp(prefix="monitor-bench-scale-"))
    result: dict[str, Any] = {"feeds": args.feeds, "items": args.items, "cores": os.cpu_count()}
    try:
        with Nginx(bench_resources, (args.feeds, args.items, 1), loopback_hosts(args.hosts)) as server:
            urls = [server.url(i, feed_path(i)) for i in range(args.feeds)]
            say("scale: floor (httpx + feedparser) ...")
            floor, _ = run_child(floor_child, (urls, 50), 7200)
            result["floor_seconds"] = floor["seconds"]
            say("scale: single process ...")
            result["single"] = single(urls, work)
            for n in (1, 2):
                say(f"scale: queue, {n} worker process(es) ...")
                result[f"queue_{n}"] = queued(urls, work, n, warm=n == 2)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(result))
    f, total = result["floor_seconds"], args.feeds * args.items
    rows = [("floor: httpx + feedparser, 1 process", f, None)]
    rows.append(("single process (monitor poll), cold", result["single"]["cold"]["seconds"],
                 result["single"]["cold"]["peak_tree_mb"]))
    for n in (1, 2):
        q = result[f"queue_{n}"]
        rows.append((f"queue, {n} worker process{'es' if n > 1 else ''}, cold", q["cold_seconds"],
                     q["worker_tree_peak_mb"]))
    print(f"\n{args.feeds:,} feeds x {args.items} items (nginx, {args.hosts} loopback addresses), "
          f"{os.cpu_count()} cores")
    for name, seconds, mb in rows:
        extra = f"  {args.feeds / seconds:7.1f} feeds/s  {total / seconds:8.0f} articles/s  {seconds / f:4.2f} x floor"
        print(f"  {name:<42} {seconds:8.1f} s{extra}" + (f"  peak {mb:.0f} MB" if mb else ""))
    q2, s = result["queue_2"], result["single"]
    per_task = (q2["warm_seconds"] - s["warm"]["seconds"]) / args.feeds * 2
    print(f"  warm (all 304): single process {s['warm']['seconds']:.1f} s, through the queue with 2 worker "
          f"processes {q2['warm_seconds']:.1f} s: the queue costs about {per_task * 1000:.1f} ms of a worker "
          f"process per task")


if __name__ == "__main__":
    main()
