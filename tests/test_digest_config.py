"""The smtp: and digests: sections: what they turn into, and one clear line for every mistake."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from monitor.config import ConfigError, DigestConfig, SmtpSettings, load_settings, parse_settings
from tests.support.cli import run_monitor, unset_env, write_config

ROOT = Path(__file__).resolve().parent.parent

ISSUE_EXAMPLE = """
smtp:
  host: smtp.example.org
  port: 587
  starttls: true
  username: ${SMTP_USER}
  password: ${SMTP_PASSWORD}
  sender: "EU–Russia Monitor <monitor@example.org>"
digests:
  - name: daily
    schedule: "0 7 * * 1-5"
    timezone: Europe/Brussels
    recipients: [analyst@example.org]
"""


@pytest.fixture(autouse=True)
def _smtp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    unset_env(monkeypatch)
    monkeypatch.setenv("SMTP_USER", "digest-bot")
    monkeypatch.setenv("SMTP_PASSWORD", "pw-from-env-7f3a")


def error_of(tmp_path: Path, text: str) -> str:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    return str(err.value).replace(str(path), "FILE")


def test_the_issue_example_parses() -> None:
    s = parse_settings(ISSUE_EXAMPLE, "x.yaml")
    assert s.smtp == SmtpSettings(host="smtp.example.org", sender="EU–Russia Monitor <monitor@example.org>", port=587,
                                  starttls=True, ssl=False, username="digest-bot", password="pw-from-env-7f3a")
    assert s.digests == (DigestConfig(name="daily", schedule="0 7 * * 1-5", timezone="Europe/Brussels",
                                      recipients=("analyst@example.org",)),)
    assert s.digests[0].send_empty is False
    assert s.digest("DAILY").name == "daily"
    assert "pw-from-env" not in repr(s)  # settings get logged and printed in tracebacks


def test_every_optional_key() -> None:
    s = parse_settings(ISSUE_EXAMPLE + textwrap.indent(textwrap.dedent("""
        subject: "{title}: {stories} stories ({period})"
        topic: eu-russia-dialogue
        countries: [hu, SK, HU]
        min_confidence: 0.6
        send_empty: true
        max_stories: 5
    """), "    ") + "outbox: /var/spool/monitor\n", "x.yaml")
    d = s.digests[0]
    assert (d.subject, d.topic, d.countries, d.min_confidence, d.send_empty, d.max_stories) == (
        "{title}: {stories} stories ({period})", "eu-russia-dialogue", ("HU", "SK"), 0.6, True, 5)
    assert s.outbox == "/var/spool/monitor"


def test_defaults_without_smtp() -> None:
    s = parse_settings("digests:\n  - name: weekly\n    schedule: '0 8 * * 1'\n    recipients: a@example.org\n",
                       "x.yaml")
    assert s.smtp is None
    assert s.outbox == "data/outbox"
    assert s.digests[0].timezone == "UTC"
    assert s.digests[0].recipients == ("a@example.org",)


def test_ssl_defaults_to_port_465_and_no_starttls() -> None:
    s = parse_settings("smtp:\n  host: mail.example.org\n  ssl: true\n  sender: m@example.org\n", "x.yaml")
    assert s.smtp is not None
    assert (s.smtp.port, s.smtp.ssl, s.smtp.starttls) == (465, True, False)


def test_recipients_keep_display_names() -> None:
    s = parse_settings(ISSUE_EXAMPLE.replace("[analyst@example.org]",
                                             "['\"Desk, Team\" <desk@example.org>', 'Ana <b@example.org>']"), "x.yaml")
    assert s.digests[0].recipients == ('"Desk, Team" <desk@example.org>', "Ana <b@example.org>")
    with pytest.raises(ConfigError, match=r"'Desk, Team <d@example\.org>' is not an email address"):
        parse_settings(ISSUE_EXAMPLE.replace("[analyst@example.org]", "['Desk, Team <d@example.org>']"), "x.yaml")


@pytest.mark.parametrize(("change", "expected"), [
    (("0 7 * * 1-5", "0 7 * * 8"), "FILE:10: digests[0].schedule: '0 7 * * 8': '8' is not a day of the week"),
    (("0 7 * * 1-5", "61 7 * * *"), "FILE:10: digests[0].schedule: '61 7 * * *': minute: 61 is out of range (0-59)"),
    (("Europe/Brussels", "Europe/Bruxelles"),
     "FILE:11: digests[0].timezone: 'Europe/Bruxelles' is not a time zone (did you mean Europe/Brussels?)"),
    (("[analyst@example.org]", "[analyst@example.org, 'analyst at example.org']"),
     "FILE:12: digests[0].recipients: item 2: 'analyst at example.org' is not an email address"),
    (("[analyst@example.org]", "[]"), "FILE:12: digests[0].recipients: expected a list of email addresses"),
    (('"EU–Russia Monitor <monitor@example.org>"', "monitor"), "FILE:7: smtp.sender: 'monitor' is not an email"),
    (("port: 587", "port: 70000"), "FILE:3: smtp.port: expected a port number (1-65535), got int 70000"),
    (("starttls: true", "starttls: yes please"), "FILE:4: smtp.starttls: expected true or false"),
    (("starttls: true", "starttls: true\n  ssl: true"), "FILE:4: smtp.starttls: choose starttls"),
    (("  password: ${SMTP_PASSWORD}\n", ""), "FILE:5: smtp.password: missing: a username needs a password"),
    (("name: daily", "name: daily digest"), "FILE:9: digests[0].name: 'daily digest': use letters, digits, - and _"),
    (("timezone: Europe/Brussels", "timezone: Europe/Brussels\n    colour: red"),
     "FILE:12: digests[0].colour: unknown key"),
    (("host: smtp.example.org", "hots: smtp.example.org"), "FILE:2: smtp.hots: unknown key (did you mean 'host'?)"),
])
def test_mistakes_name_the_file_line_and_key(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    text = ISSUE_EXAMPLE.replace(*change)
    assert text != ISSUE_EXAMPLE
    assert error_of(tmp_path, text).startswith(expected)


@pytest.mark.parametrize(("extra", "expected"), [
    ("    subject: 'Digest {nme}'\n", "FILE:13: digests[0].subject: unknown placeholder {nme}"),
    ("    subject: 'Digest {'\n", "FILE:13: digests[0].subject: 'Digest {': "),
    ("    countries: [HU, XX]\n", "FILE:13: digests[0].countries: 'XX' is not an EU member state (use a code"),
    ("    min_confidence: 1.5\n", "FILE:13: digests[0].min_confidence: expected a number from 0 to 1"),
    ("    topic: energy\n", "FILE:13: digests[0].topic: 'energy' is not one of the configured topics"),
    ("    max_stories: 0\n", "FILE:13: digests[0].max_stories: expected a whole number above zero"),
    ("  - name: Daily\n    schedule: '@daily'\n    recipients: [b@example.org]\n",
     "FILE:13: digests[1].name: duplicate digest name 'Daily' (first at line 9)"),
    ("  - name: other\n    recipients: [b@example.org]\n", "FILE:13: digests[1].schedule: missing (required)"),
])
def test_digest_mistakes(tmp_path: Path, extra: str, expected: str) -> None:
    assert error_of(tmp_path, ISSUE_EXAMPLE + extra).startswith(expected)


def test_an_unset_password_variable_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMTP_PASSWORD")
    assert error_of(tmp_path, ISSUE_EXAMPLE) == "FILE:6: smtp.password: environment variable SMTP_PASSWORD is not set"


def test_a_password_is_never_sent_in_clear_to_another_host(tmp_path: Path) -> None:
    text = ISSUE_EXAMPLE.replace("starttls: true", "starttls: false")
    assert error_of(tmp_path, text) == "FILE:5: smtp: refusing to send a password unencrypted: set starttls or ssl"
    local = parse_settings(text.replace("smtp.example.org", "127.0.0.1"), "x.yaml")  # a relay on this machine
    assert local.smtp is not None and local.smtp.starttls is False


def test_unknown_digest_name_lists_the_known_ones() -> None:
    s = parse_settings(ISSUE_EXAMPLE, "x.yaml")
    with pytest.raises(ConfigError, match=r"no digest named 'weekly' \(known: daily\)"):
        s.digest("weekly")


def test_monitor_check_reports_a_bad_cron_in_one_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, ISSUE_EXAMPLE.replace("0 7 * * 1-5", "0 7 * *"))
    result = run_monitor("--config", str(path), "check", cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"{path}:10: digests[0].schedule: '0 7 * *' is not a cron expression: expected "
                                     "5 fields (minute hour day month weekday), got 4")
    assert "Traceback" not in result.stderr


def test_the_shipped_config_has_a_digest_and_no_smtp() -> None:
    s = load_settings(ROOT / "config" / "monitor.yaml")
    assert s.smtp is None  # digests go to data/outbox/ until the user adds an smtp section
    assert [d.name for d in s.digests] == ["daily"]
    assert s.digests[0].cron.timezone == "Europe/Brussels"
