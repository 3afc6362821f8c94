"""Health endpoint, Prometheus metrics and the demo's sample feeds, through real sockets."""

from __future__ import annotations

import asyncio
import re

import pytest

from monitor.demo import outlets, rss, serve
from monitor.httpd import HealthServer, parse_listen
from monitor.metrics import Metrics
from monitor.parse import parse_feed
from tests.support.cli import run_monitor
from tests.support.net import http_get


def test_metrics_render_in_prometheus_text_format() -> None:
    m = Metrics()
    m.inc("polls_total", outcome="ok")
    m.inc("polls_total", 2, outcome="error")
    m.inc("articles_stored_total", 30)
    m.set("last_successful_poll_timestamp_seconds", 1764000000.5)
    m.inc("poll_failures_total", kind='http "500"')
    text = m.render()
    assert "# TYPE monitor_polls_total counter" in text
    assert 'monitor_polls_total{outcome="error"} 2.0' in text  # prometheus_client writes floats
    assert 'monitor_polls_total{outcome="ok"} 1.0' in text
    assert "monitor_articles_stored_total 30.0" in text
    assert "# TYPE monitor_last_successful_poll_timestamp_seconds gauge" in text
    assert "monitor_last_successful_poll_timestamp_seconds 1.7640000005e+09" in text
    assert 'kind="http \\"500\\""' in text
    assert text.endswith("\n") and all(line.startswith(("#", "monitor_")) for line in text.splitlines())


@pytest.mark.parametrize(("value", "expected"), [("0.0.0.0:8080", ("0.0.0.0", 8080)), (":9100", ("127.0.0.1", 9100)),
                                                 ("9100", ("127.0.0.1", 9100)), ("[::1]:80", ("::1", 80)),
                                                 ("127.0.0.1:0", ("127.0.0.1", 0))])
def test_listen_address(value: str, expected: tuple[str, int]) -> None:
    assert parse_listen(value) == expected


@pytest.mark.parametrize("value", ["localhost", "host:", "host:99999", "host:http", "host:-1"])
def test_bad_listen_address(value: str) -> None:
    with pytest.raises(ValueError, match="HOST:PORT"):
        parse_listen(value)


def test_health_flips_with_the_check_and_metrics_are_served() -> None:
    state = {"ok": True}

    async def healthy() -> tuple[bool, str]:
        return state["ok"], "ok" if state["ok"] else "database unavailable"

    async def scenario() -> list[tuple[int, str]]:
        metrics = Metrics()
        metrics.inc("polls_total", outcome="ok")
        server = HealthServer(metrics, healthy)
        port = await server.start("127.0.0.1", 0)
        base = f"http://127.0.0.1:{port}"
        results = [await asyncio.to_thread(http_get, base + "/healthz")]
        state["ok"] = False
        results.append(await asyncio.to_thread(http_get, base + "/healthz"))
        results.append(await asyncio.to_thread(http_get, base + "/metrics"))
        results.append(await asyncio.to_thread(http_get, base + "/nope"))
        await server.close()
        return results

    up, down, metrics, missing = asyncio.run(scenario())
    assert up == (200, "ok\n")
    assert down == (503, "database unavailable\n")
    assert metrics[0] == 200 and "monitor_up 0.0" in metrics[1]
    assert 'monitor_polls_total{outcome="ok"} 1.0' in metrics[1]
    assert missing[0] == 404


def test_a_slow_health_check_reports_unhealthy(monkeypatch: pytest.MonkeyPatch) -> None:
    import monitor.httpd as httpd

    monkeypatch.setattr(httpd, "HEALTH_TIMEOUT", 0.2)

    async def hanging() -> tuple[bool, str]:
        await asyncio.sleep(5)
        return True, "ok"

    async def scenario() -> tuple[int, str]:
        server = HealthServer(Metrics(), hanging)
        port = await server.start("127.0.0.1", 0)
        result = await asyncio.to_thread(http_get, f"http://127.0.0.1:{port}/healthz")
        await server.close()
        return result

    assert asyncio.run(scenario()) == (503, "database check timed out\n")


def test_demo_feeds_are_valid_feeds_served_on_loopback() -> None:
    feeds = outlets()
    assert len(feeds) >= 3 and all(len(o.stories) >= 4 for o in feeds)
    for outlet in feeds:
        parsed = parse_feed(rss(outlet), {"content-type": "application/rss+xml"}, "http://127.0.0.1/")
        assert parsed.error is None and len(parsed.entries) == len(outlet.stories)
        assert all(e.published is not None for e in parsed.entries)
    with serve(feeds) as urls:
        for name, url in urls.items():
            status, body = http_get(url)
            assert status == 200 and name in body


def test_demo_runs_the_whole_pipeline_offline_and_writes_the_digest(tmp_path) -> None:
    import email
    import email.policy
    proc = run_monitor("demo", "--outbox", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "polled 3 sample feeds: 12 stories, 9 about EU-Russia dialogue" in out
    # One outlet's feed carries only teasers: its three candidate stories are read on their pages.
    assert "3 article pages read for stories whose feed gave only a teaser" in out
    lean = {line.split()[0]: float(line.split()[-2]) for line in out.splitlines() if line[:3].strip().isupper()
            and len(line.split()) >= 4 and line.split()[-2][:1] in "+-"}
    assert lean["HU"] == 1.0 and lean["SK"] == 1.0 and lean["AT"] == 1.0  # vetoes, overtures, venue for talks
    assert lean["PL"] == -1.0 and lean["DE"] == -1.0 and lean["FI"] == -1.0
    assert lean["IT"] == 0.0 and lean["GR"] == 0.0  # sanctions and talks: mixed
    assert "BE" not in lean  # the rail strike is not about Russia
    html_files = list((tmp_path / "out").glob("demo-*.html"))
    eml_files = list((tmp_path / "out").glob("demo-*.eml"))
    assert len(html_files) == len(eml_files) == 1
    assert f"open the digest: {html_files[0].as_uri()}" in out
    msg = email.message_from_bytes(eml_files[0].read_bytes(), policy=email.policy.default)
    assert msg["To"] == "analyst@example.org" and msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    assert "Hungary" in text and "Lithuania's foreign minister" in text
    assert not list(tmp_path.glob("*.db")) and not (tmp_path / "data").exists()  # the database was thrown away


def test_demo_digest_shows_what_the_digest_promises(tmp_path) -> None:
    """Copies of one story grouped and their state counted once, quotes in the story's order, a footer that
    names nothing that does not exist, and weekdays in the stories that agree with the dates shown."""
    import email
    import email.policy

    from monitor.demo import DEMO_TIMEZONE, dated
    from monitor.digest.render import Clock

    proc = run_monitor("demo", "--outbox", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (eml,) = (tmp_path / "out").glob("demo-*.eml")
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = msg.get_body(("html",)).get_content()

    # the veto, carried by two outlets, is one story, and Hungary counts once
    assert re.search(r"^1\. Hungary blocks new EU sanctions package .*\n   .* · covered by 2 outlets: "
                     r"(Brussels Wire, Baltic Observer|Baltic Observer, Brussels Wire)$", text, re.M), text
    assert re.search(r"^HU Hungary +pro 1 ", text, re.M)
    assert "8 relevant stories (from 9 articles" in text

    # every quote: its sentences in the order the story has them, headline first
    stories = {dated(s["title"], 0).split(" on ")[0]: s for o in outlets() for s in o.stories}
    quotes = re.findall(r'^    \[[a-z-]+\] "(.*)"\n    (.*) \(', text, re.M)
    assert len(quotes) == 11
    for quote, title in quotes:
        parts = quote.split(" … ")
        story = next(s for t, s in stories.items() if title.startswith(t))
        body = " ".join(f"{story['title']} {story['text']}".split())
        positions = [body.find(p.split(" on ")[0]) for p in parts]
        assert -1 not in positions and positions == sorted(positions), (quote, positions)

    # the footer names what exists: no config file made this digest
    for part in (text, html):
        assert "config/monitor.yaml" not in part
        assert "monitor demo" in part

    # weekday words agree with the dates printed next to them
    clock = Clock(DEMO_TIMEZONE)
    days = {d: d[:3] for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
    checked = 0
    for block in re.findall(r'^    \[[a-z-]+\] "(.*)"\n    .* \([^,]*, (\w{3}) \d+ \w{3}\)$', text, re.M):
        quote, shown = block
        for day, short in days.items():
            if f" on {day}" in quote or f" {day} " in quote:
                assert short == shown, (quote, shown)
                checked += 1
    assert checked >= 2  # Hungary's veto and Latvia's expulsions say on which day
    assert clock.name == "Europe/Brussels"
