"""Digests delivered to a real SMTP server on loopback (aiosmtpd): the MIME that arrives, retries when the server
is down or says "try later", no story twice in a row, STARTTLS and SSL with a certificate made here, the outbox,
and the `monitor digest` commands as a user runs them."""

from __future__ import annotations

import re
import subprocess
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from email.utils import parsedate_to_datetime
from html import unescape
from pathlib import Path

import pytest

from monitor.config import Settings, parse_settings
from monitor.digest.run import send
from monitor.store import Store, open_store
from tests.support.cli import run_monitor
from tests.support.digests import EE_HARD, HU_PRO, IT_MIXED, PL_HARD, SK_PRO, Story, fail_feed, seed
from tests.support.mailserver import MailServer, self_signed, server_context
from tests.support.net import free_port

T0 = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)  # Tuesday 07:00 in Brussels
PASSWORD = "s3cret-pw-9c41e"

FIRST = [
    Story("Hungary calls for EU talks with Moscow", {"HU": HU_PRO, "PL": PL_HARD}),
    Story("Hungary calls for EU talks with Moscow - Politico", {"HU": HU_PRO}, feed="Politico Europe"),
    Story("Estonia slams Slovakia's overture to the Kremlin", {"EE": EE_HARD, "SK": SK_PRO}, feed="ERR News"),
    Story("Italy sets conditions for joining talks", {"IT": IT_MIXED}),
    Story("Football: Riga derby ends in a draw", relevant=False),
]


FEEDS = textwrap.dedent("""
    feeds:
      - name: Euractiv
        url: https://euractiv.example/rss
      - name: Politico Europe
        url: https://politico-europe.example/rss
      - name: ERR News
        url: https://err-news.example/rss
""").lstrip("\n")


def daily(recipients: str) -> str:
    return ('digests:\n  - name: daily\n    schedule: "0 7 * * *"\n    timezone: Europe/Brussels\n'
            f"    recipients: {recipients}\n")


def settings(smtp: str = "", extra: str = "", outbox: Path | None = None) -> Settings:
    text = (FEEDS + daily('[analyst@example.org, "Desk <desk@example.org>"]')
            + textwrap.indent(textwrap.dedent(extra), "    ") + textwrap.dedent(smtp))
    if outbox is not None:
        text += f"outbox: {outbox}\n"
    return parse_settings(text, "test.yaml")


def smtp_section(port: int, **more: object) -> str:
    lines = ["smtp:", "  host: 127.0.0.1", f"  port: {port}", "  starttls: false",
             '  sender: "EU–Russia Monitor <monitor@example.org>"', "  retry_delay: 0.05s"]
    lines += [f"  {k}: {v}" for k, v in more.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def mail() -> Iterator[MailServer]:
    server = MailServer()
    yield server
    server.stop()


def parts(received) -> tuple[str, str]:
    msg = received.message
    assert msg.get_content_type() == "multipart/alternative"
    plain, html = list(msg.iter_parts())
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    return plain.get_content(), html.get_content()


# ------------------------------------------------------------------------------------------------ what arrives


def test_digest_arrives_as_multipart_alternative(store: Store, mail: MailServer) -> None:
    seed(store, FIRST, T0 - timedelta(hours=2))
    fail_feed(store, "ERR News", T0 - timedelta(minutes=30), failures=4, error="HTTP 503 from the server")
    outcome = send(settings(smtp_section(mail.port)), store, settings().digest("daily"), T0)
    assert outcome.status == "sent", outcome.message
    assert outcome.message == f"daily: sent 3 stories to 2 recipient(s) via smtp 127.0.0.1:{mail.port}"

    [received] = mail.messages
    assert received.mail_from == "monitor@example.org"
    assert sorted(received.rcpt_tos) == ["analyst@example.org", "desk@example.org"]
    msg = received.message
    assert msg["From"] == "EU–Russia Monitor <monitor@example.org>"
    assert msg["To"] == "analyst@example.org, Desk <desk@example.org>"
    assert msg["Subject"] == "EU–Russia dialogue: daily digest, 9–10 Mar 2026 (3 stories, 5 states)"
    assert msg["List-Id"] == "monitor daily digest <daily.digests.example.org>"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert re.fullmatch(r"<[^@<>\s]+@example\.org>", msg["Message-ID"])
    assert parsedate_to_datetime(msg["Date"]) == T0
    plain, html = parts(received)

    for code, (_, quote) in (("HU", HU_PRO), ("PL", PL_HARD), ("EE", EE_HARD), ("SK", SK_PRO), ("IT", IT_MIXED)):
        assert f"<b>{code}</b>" in html and quote in unescape(html), code
        assert re.search(rf"^{code} ", plain, re.M) and quote in plain, code
    assert "covered by 2 outlets: Euractiv, Politico Europe" in plain
    assert "Football" not in plain and "Football" not in html  # not relevant
    assert "ERR News: 4 failures in a row" in plain and "HTTP 503 from the server" in html

    run = outcome.run
    assert run is not None and run.status == "sent" and run.attempts == 1
    assert run.message_id == msg["Message-ID"]
    assert run.window_start == T0 - timedelta(days=1) and run.window_end == T0  # first run: one period back
    assert len(store.digest_run_articles(run.id)) == 4


def test_smtp_down_is_retried_then_delivered_once_later(store: Store) -> None:
    seed(store, FIRST, T0 - timedelta(hours=2))
    port = free_port()  # nothing listens here yet
    s = settings(smtp_section(port, attempts=3))
    waits: list[float] = []
    outcome = send(s, store, s.digest("daily"), T0, sleep=lambda d: bool(waits.append(d)))
    assert outcome.status == "failed" and not outcome.ok
    assert outcome.attempts == 3 and waits == [0.05, 0.1]  # backoff doubles
    assert f"smtp 127.0.0.1:{port}: cannot connect" in outcome.message
    assert outcome.run is not None and outcome.run.status == "failed" and outcome.run.attempts == 3
    assert store.last_digest_run("daily", ("sent", "empty")) is None  # not marked delivered

    server = MailServer(port)
    try:
        later = send(s, store, s.digest("daily"), T0 + timedelta(hours=1))
        assert later.status == "sent", later.message
        assert len(server.messages) == 1
        plain, _ = parts(server.messages[0])
        assert "Hungary calls for EU talks with Moscow" in plain  # what the failed run would have carried
        assert "Estonia slams Slovakia's overture" in plain
        # And the next run does not send it again.
        assert send(s, store, s.digest("daily"), T0 + timedelta(hours=2)).status == "empty"
        assert len(server.messages) == 1
    finally:
        server.stop()
    assert [r.status for r in store.digest_runs("daily")] == ["empty", "sent", "failed"]


def test_temporary_rejections_are_retried_until_accepted(store: Store, mail: MailServer) -> None:
    seed(store, FIRST, T0 - timedelta(hours=2))
    mail.inbox.replies = ["451 4.3.0 Try again later", "421 4.7.0 Too busy"]
    s = settings(smtp_section(mail.port, attempts=4))
    outcome = send(s, store, s.digest("daily"), T0)
    assert outcome.status == "sent" and outcome.attempts == 3
    assert mail.inbox.attempts == 3 and len(mail.messages) == 1


def test_permanent_rejection_is_not_retried(store: Store, mail: MailServer) -> None:
    seed(store, FIRST, T0 - timedelta(hours=2))
    mail.inbox.replies = ["554 5.7.1 Message rejected as spam"]
    s = settings(smtp_section(mail.port, attempts=5))
    outcome = send(s, store, s.digest("daily"), T0)
    assert outcome.status == "failed" and outcome.attempts == 1
    assert outcome.message.endswith("server said: 554 5.7.1 Message rejected as spam")
    assert mail.messages == []


def test_consecutive_digests_do_not_repeat_stories(store: Store, mail: MailServer) -> None:
    s = settings(smtp_section(mail.port))
    seed(store, FIRST, T0 - timedelta(hours=2))
    assert send(s, store, s.digest("daily"), T0).status == "sent"
    seed(store, [
        # A third outlet picks up yesterday's story, with its own URL: still the same story.
        Story("Hungary calls for EU talks with Moscow - Reuters", {"HU": HU_PRO}, feed="Google News",
              url="https://reuters.example/hu-talks"),
        Story("France proposes a prisoner-exchange channel to Moscow",
              {"FR": ("pro_dialogue", "France proposed a channel to Moscow on prisoner exchanges.")}),
    ], T0 + timedelta(hours=3))
    second = send(s, store, s.digest("daily"), T0 + timedelta(days=1))
    assert second.status == "sent"
    first_plain, _ = parts(mail.messages[0])
    second_plain, second_html = parts(mail.messages[1])
    assert "Hungary calls for EU talks" in first_plain
    assert "France proposes a prisoner-exchange channel" in second_plain
    for old in ("Hungary calls for EU talks", "Estonia slams", "Italy sets conditions"):
        assert old not in second_plain and old not in unescape(second_html)
    assert "1 relevant story" in second_plain
    runs = store.digest_runs("daily")
    assert runs[0].window_start == runs[1].window_end  # the windows meet, they don't overlap


def test_nothing_new_sends_nothing_unless_send_empty(store: Store, mail: MailServer) -> None:
    seed(store, [Story("Football: Riga derby ends in a draw", relevant=False)], T0 - timedelta(hours=2))
    quiet = settings(smtp_section(mail.port))
    outcome = send(quiet, store, quiet.digest("daily"), T0)
    assert outcome.status == "empty" and outcome.ok and mail.messages == []
    assert outcome.message.startswith("daily: nothing new since 2026-03-09 07:00 CET; no email")
    chatty = settings(smtp_section(mail.port), extra="send_empty: true\n")
    assert send(chatty, store, chatty.digest("daily"), T0 + timedelta(days=1)).status == "sent"
    plain, _ = parts(mail.messages[0])
    assert "Nothing new in this period" in plain


# ------------------------------------------------------------------------------------------------ TLS


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # the test server's view of implicit TLS
def test_implicit_tls_with_login(store: Store, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server = MailServer(implicit_tls=server_context(cert, key), logins={"digest-bot": PASSWORD})
    try:
        seed(store, FIRST, T0 - timedelta(hours=2))
        s = settings(smtp_section(server.port, ssl="true", username="digest-bot", password=PASSWORD,
                                  ca_file=cert).replace("  starttls: false\n", ""))
        outcome = send(s, store, s.digest("daily"), T0)
        assert outcome.status == "sent", outcome.message
        assert [m.login for m in server.messages] == ["digest-bot"]
    finally:
        server.stop()


def test_starttls_refused_when_the_server_does_not_offer_it(store: Store, mail: MailServer) -> None:
    seed(store, FIRST, T0 - timedelta(hours=2))
    s = settings(smtp_section(mail.port).replace("starttls: false", "starttls: true"))
    outcome = send(s, store, s.digest("daily"), T0)
    assert outcome.status == "failed" and outcome.attempts == 1
    assert "does not offer STARTTLS" in outcome.message and mail.messages == []


# ------------------------------------------------------------------------------------------------ outbox


def test_without_smtp_digests_go_to_the_outbox(store: Store, tmp_path: Path) -> None:
    seed(store, FIRST, T0 - timedelta(hours=2))
    s = settings(outbox=tmp_path / "outbox")
    outcome = send(s, store, s.digest("daily"), T0)
    assert outcome.status == "sent"
    eml = sorted((tmp_path / "outbox").glob("*.eml"))
    html = sorted((tmp_path / "outbox").glob("*.html"))
    assert [p.name for p in eml] == [f"daily-20260310T060000Z-{outcome.run.id}.eml"]  # type: ignore[union-attr]
    assert outcome.where == str(eml[0])
    msg = message_from_bytes(eml[0].read_bytes(), policy=default)
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["From"] == "EU–Russia Monitor <monitor@localhost>"
    assert list(msg.iter_parts())[1].get_content().replace("\r\n", "\n") == html[0].read_text(encoding="utf-8")
    written = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert written == sorted([html[0].name, eml[0].name])  # and no temp files


# ------------------------------------------------------------------------------------------------ the commands


class Cli:
    def __init__(self, tmp_path: Path, smtp: str = ""):
        self.tmp = tmp_path
        self.db = f"sqlite:///{tmp_path}/monitor.db"
        self.config = tmp_path / "monitor.yaml"
        self.config.write_text(f"database: {self.db}\noutbox: {tmp_path}/outbox\n" + FEEDS
                               + daily("[analyst@example.org]") + smtp, encoding="utf-8")
        self.seed(FIRST, hours_ago=2)

    def seed(self, stories: list[Story], hours_ago: float = 0) -> None:
        store = open_store(self.db)
        try:
            seed(store, stories, datetime.now(UTC) - timedelta(hours=hours_ago))
        finally:
            store.close()

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run_monitor("--config", str(self.config), *args, cwd=self.tmp, env=env, drop=("MONITOR_", "SMTP_"))

    def runs(self) -> list:
        store = open_store(self.db)
        try:
            return store.digest_runs()
        finally:
            store.close()


def test_send_over_starttls_with_login_from_the_environment(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server = MailServer(starttls=server_context(cert, key), logins={"digest-bot": PASSWORD})
    try:
        smtp = smtp_section(server.port, username="${SMTP_USER}", password="${SMTP_PASSWORD}", ca_file=cert)
        cli = Cli(tmp_path, smtp.replace("starttls: false", "starttls: true"))
        env = {"SMTP_USER": "digest-bot", "SMTP_PASSWORD": PASSWORD}
        result = cli.run("--log-level", "debug", "digest", "send", "daily", env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"daily: sent 3 stories to 1 recipient(s) via smtp 127.0.0.1:{server.port}"
        assert [m.login for m in server.messages] == ["digest-bot"]
        assert PASSWORD not in result.stdout + result.stderr
        assert "event=digest.sent" in result.stderr  # the debug log ran, and masked nothing it should show

        # A wrong password: one line, no traceback, the password nowhere.
        cli.seed([Story("France proposes a prisoner-exchange channel", {"FR": HU_PRO})])
        bad = cli.run("--log-level", "debug", "digest", "send", "daily",
                      env={"SMTP_USER": "digest-bot", "SMTP_PASSWORD": "wrong-pw-31337"})
        assert bad.returncode == 1
        assert "wrong-pw-31337" not in bad.stdout + bad.stderr
        assert "Traceback" not in bad.stderr
    finally:
        server.stop()


def test_an_untrusted_certificate_fails_in_one_line(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server = MailServer(starttls=server_context(cert, key))
    try:
        cli = Cli(tmp_path, smtp_section(server.port, attempts=3).replace("starttls: false", "starttls: true"))
        result = cli.run("digest", "send", "daily")
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            f"monitor: daily: not delivered after 1 attempt(s): smtp 127.0.0.1:{server.port}: TLS certificate not "
            "trusted (self-signed certificate); set smtp.ca_file to the CA that signed it"]
        assert server.messages == []
        assert [r.status for r in cli.runs()] == ["failed"]
    finally:
        server.stop()


def test_send_with_the_server_down_exits_non_zero(tmp_path: Path) -> None:
    cli = Cli(tmp_path, smtp_section(free_port(), attempts=2))
    result = cli.run("digest", "send", "daily")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("monitor: daily: not delivered after 2 attempt(s): smtp 127.0.0.1:")
    assert "cannot connect" in line


def test_preview_records_nothing_and_list_shows_runs(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    out = tmp_path / "preview.html"
    preview = cli.run("digest", "preview", "daily", "--out", str(out))
    assert preview.returncode == 0, preview.stderr
    assert "daily: 3 stories, 5 states" in preview.stdout
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    text = cli.run("digest", "preview", "daily")
    assert text.returncode == 0 and "STATE BY STATE" in text.stdout and text.stdout.startswith("Subject: ")
    assert cli.runs() == [] and not (tmp_path / "outbox").exists()

    assert cli.run("digest", "list").stdout.startswith("no digest has run yet")
    sent = cli.run("digest", "send", "daily")
    assert sent.returncode == 0 and sent.stdout.startswith(f"daily: wrote 3 stories to {tmp_path / 'outbox'}/daily-")
    again = cli.run("digest", "send", "daily")
    assert again.returncode == 0 and "nothing new since" in again.stdout
    listing = cli.run("digest", "list")
    lines = listing.stdout.splitlines()
    assert lines[0].split()[:3] == ["RUN", "DIGEST", "STATUS"]
    assert lines[1].split()[:3] == ["2", "daily", "empty"]
    assert lines[2].split()[:3] == ["1", "daily", "sent"] and "outbox" in lines[2]
    assert lines[-1].startswith("daily: '0 7 * * *' (Europe/Brussels), next ")


def test_unknown_digest_is_one_line(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    for command in ("send", "preview"):
        result = cli.run("digest", command, "weekly")
        assert result.returncode == 2
        assert result.stderr.strip() == f"{cli.config}: no digest named 'weekly' (known: daily)"
