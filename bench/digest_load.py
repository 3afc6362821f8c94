"""Polling rate while a digest is built (issue 8): ``python bench/digest_load.py``.

The daemon (``monitor run``, a real process) polls 5,000 feeds every minute from a loopback server
(``_loopback.py``; each feed answers 304 once it has been fetched, as most feeds do most of the time), against a
SQLite database that already holds the worst case of ``bench/digest.py`` (20,000 relevant stories of the last six
days, titles from a 58-word vocabulary). A weekly digest is scheduled a few minutes after start. The server
counts requests; this script samples the count every five seconds and reports requests per minute before the
digest and while it was built and delivered, from the digest's own start and end in the daemon's log.

Target: the rate during the digest is >= 90 % of the rate without one.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _loopback import Resource, Server, loopback_hosts

TARGET = 0.9


def feeds(n: int) -> dict[str, Resource]:
    """``n`` small RSS documents with validators: the first poll parses five items, every later one gets 304."""
    out = {}
    stamp = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    for i in range(n):
        items = "".join(f"<item><title>Feed {i} item {k}: council budget and road repairs</title>"
                        f"<link>https://f{i}.example/{k}</link><guid>f{i}-{k}</guid><pubDate>{stamp}</pubDate>"
                        "</item>" for k in range(5))
        body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {i}</title>'
                f"<link>https://f{i}.example/</link><description>x</description>{items}</channel></rss>").encode()
        out[f"/f{i}.xml"] = Resource(body, [("Content-Type", "application/rss+xml")], etag=f'"f{i}"')
    return out


def events(log: Path) -> list[dict]:
    out = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=5000)
    parser.add_argument("--stories", type=int, default=20_000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--lead", type=int, default=4, help="minutes from start to the digest's slot")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from digest import populate_worst

    from monitor.store import open_store

    tmp = Path(tempfile.mkdtemp(prefix="monitor-bench-load-"))
    db = f"sqlite:///{tmp}/load.db"
    now = datetime.now(UTC)
    store = open_store(db)
    populate_worst(store, args.stories, now)
    store.close()

    hosts = loopback_hosts(args.hosts)
    with Server(feeds, (args.feeds,), hosts) as server:
        slot = (datetime.now(UTC) + timedelta(minutes=args.lead)).replace(second=0, microsecond=0)
        lines = [f"database: {db}", f"outbox: {tmp}/outbox", "defaults:", "  interval: 1m", "log:", "  format: json",
                 "digests:", "  - name: weekly", f"    schedule: '{slot.minute} {slot.hour} * * *'",
                 "    timezone: UTC", "    recipients: [analyst@example.org]", "feeds:"]
        for i in range(args.feeds):
            lines += [f"  - name: feed{i}", f"    url: {server.url(i, f'/f{i}.xml')}"]
        config = tmp / "monitor.yaml"
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        log = tmp / "daemon.log"
        with log.open("wb") as out:
            daemon = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "run"],
                                      stdout=out, stderr=subprocess.STDOUT, cwd=tmp)
        samples: list[tuple[float, int]] = []
        finished: float | None = None
        try:
            deadline = slot.timestamp() + 15 * 60
            while time.time() < deadline:
                stats = server.stats()
                samples.append((time.time(), stats.get("200", 0) + stats.get("304", 0)))
                if finished is None:
                    done = [e for e in events(log) if e.get("event") in ("digest.sent", "digest.failed",
                                                                          "digest.crashed")]
                    if done:
                        finished = datetime.fromisoformat(done[0]["ts"]).timestamp()
                elif time.time() > finished + 60:
                    break
                if daemon.poll() is not None:
                    raise SystemExit(f"the daemon exited early; see {log}")
                time.sleep(5)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(120)
    if finished is None:
        raise SystemExit(f"no digest finished; see {log}")

    start = slot.timestamp()

    def rate(t0: float, t1: float) -> float:
        """Requests per minute between the samples closest to t0 and t1."""
        a = min(samples, key=lambda s: abs(s[0] - t0))
        b = min(samples, key=lambda s: abs(s[0] - t1))
        return (b[1] - a[1]) / max(b[0] - a[0], 1e-9) * 60

    steady_from = samples[0][0] + 90  # the first polls are spread over the start-up and parse everything once
    before = rate(max(steady_from, start - 120), start)
    span = max(finished - start, 10.0)  # the five-second samples need a window longer than one of them
    during = rate(start, start + span)
    windows = [rate(t, t + 10) for t in range(int(steady_from), int(start) - 10, 10)]
    figures = {"feeds": args.feeds, "stories_in_window": args.stories, "digest_seconds": round(finished - start, 1),
               "requests_per_minute_before": round(before), "requests_per_minute_during": round(during),
               "ratio": round(during / before, 3) if before else None,
               "before_10s_windows_min_median": [round(min(windows)), round(statistics.median(windows))]
               if windows else None,
               "log": str(log)}
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{args.feeds:,} feeds every minute on loopback; weekly digest over {args.stories:,} relevant stories "
          f"(small title vocabulary), built and delivered in {figures['digest_seconds']} s after its slot")
    print(f"requests per minute: {before:,.0f} before the digest, {during:,.0f} while it was built and delivered "
          f"= {during / before:.1%} (target >= {TARGET:.0%})")
    if windows:
        print(f"  before it, per 10 s window: min {min(windows):,.0f}/min, "
              f"median {statistics.median(windows):,.0f}/min")
    print(f"daemon log: {log}")


if __name__ == "__main__":
    main()
