"""Polling rate while a digest is built (issue 8): ``python bench/digest_load.py``.

The daemon (``monitor run``, a real process) polls 5,000 feeds every minute from a loopback server
(``_loopback.py``; each feed answers 304 once it has been fetched, as most feeds do most of the time), against a
SQLite database that already holds the worst case of ``bench/digest.py`` (20,000 relevant stories of the last six
days, titles from a 58-word vocabulary). A weekly digest is scheduled a few minutes after start. The server
counts requests and this script reads the count every second.

Each feed is polled every minute, so the load repeats minute after minute (the start-up spread shapes it, and
the daemon keeps each feed's phase); the fair "without a digest" for the seconds the digest took is the same
seconds one and two minutes earlier. Reported: requests while the digest was built and delivered (from its slot
to its ``digest.sent`` in the log, at least five seconds) against those same-phase spans, and the rate over the
whole minute from the slot against the minute before.

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
                 "digests:", "  - name: weekly",
                 f"    schedule: '{slot.minute} {slot.hour} * * {(slot.weekday() + 1) % 7}'",  # first run: 7 days back
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
                time.sleep(1)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(120)
    if finished is None:
        raise SystemExit(f"no digest finished; see {log}")

    start = slot.timestamp()

    def count(t0: float, t1: float) -> int:
        """Requests served between the samples closest to t0 and t1."""
        a = min(samples, key=lambda s: abs(s[0] - t0))
        b = min(samples, key=lambda s: abs(s[0] - t1))
        return b[1] - a[1]

    end = max(finished, start + 5.0)
    during = count(start, end)
    same_phase = [count(start - k * 60, end - k * 60) for k in (1, 2)]
    baseline = statistics.mean(same_phase)
    minute, minute_before = count(start, start + 60), count(start - 60, start)
    figures = {"feeds": args.feeds, "stories_in_window": args.stories, "digest_seconds": round(finished - start, 1),
               "requests_during_digest": during, "requests_same_seconds_1_and_2_min_earlier": same_phase,
               "ratio_during": round(during / baseline, 3) if baseline else None,
               "requests_minute_from_slot": minute, "requests_minute_before": minute_before,
               "ratio_minute": round(minute / minute_before, 3) if minute_before else None, "log": str(log)}
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{args.feeds:,} feeds every minute on loopback; weekly digest over {args.stories:,} relevant stories "
          f"(small title vocabulary), built and delivered in {figures['digest_seconds']} s after its slot")
    print(f"requests while the digest ran ({end - start:.0f} s): {during:,}; the same seconds 1 and 2 minutes earlier: "
          f"{same_phase[0]:,} and {same_phase[1]:,} -> {figures['ratio_during']:.1%} (target >= {TARGET:.0%})")
    print(f"requests in the minute from the slot: {minute:,}; the minute before: {minute_before:,} -> "
          f"{figures['ratio_minute']:.1%}")
    print(f"daemon log: {log}")


if __name__ == "__main__":
    main()
