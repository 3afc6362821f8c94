"""`monitor run` and digests, as a real process: after downtime the missed digest goes out once (not once per
missed slot), a restart does not send it again, and a failed one is planned for a retry."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.daemon import DIGEST_CATCH_UP_DELAY
from monitor.digest.process import DIGEST_NICENESS, DigestProcess
from monitor.store import open_store
from tests.support.daemon import Daemon
from tests.support.digests import EE_HARD, HU_PRO, Story, far_daily, seed
from tests.support.mailserver import MailServer
from tests.support.net import free_port


def setup(tmp_path: Path, smtp_port: int) -> tuple[Path, str]:
    db = f"sqlite:///{tmp_path}/monitor.db"
    config = tmp_path / "monitor.yaml"
    config.write_text(f"""database: {db}
log:
  format: json
smtp:
  host: 127.0.0.1
  port: {smtp_port}
  starttls: false
  sender: monitor@example.org
  attempts: 1
digests:
  - name: daily
    schedule: "{far_daily('Europe/Brussels')}"
    timezone: Europe/Brussels
    recipients: [analyst@example.org]
""", encoding="utf-8")
    now = datetime.now(UTC)
    store = open_store(db)
    try:
        # The last digest went out three days ago; the daemon has been down since, missing three slots.
        last = store.claim_digest_run("daily", now - timedelta(days=3), first_start=now - timedelta(days=4),
                                      expires_at=now - timedelta(days=3) + timedelta(hours=1), owner="test:1").run
        assert last is not None
        store.finish_digest_run(last.id, "sent", now - timedelta(days=3), attempts=1)
        seed(store, [Story("Hungary calls for EU talks with Moscow", {"HU": HU_PRO}),
                     Story("Estonia expels two Russian diplomats", {"EE": EE_HARD})], now - timedelta(days=2))
    finally:
        store.close()
    return config, db


def test_missed_digest_is_sent_once_after_downtime(tmp_path: Path, daemons: list[Daemon]) -> None:
    server = MailServer()
    try:
        config, db = setup(tmp_path, server.port)
        daemon = Daemon(config, tmp_path / "daemon.log")
        daemons.append(daemon)
        daemon_pid = daemon.proc.pid
        daemon.wait_for("digest.sent", DIGEST_CATCH_UP_DELAY + 20)
        time.sleep(2)  # room for a second message, should the daemon send one per missed slot
        assert len(server.messages) == 1
        assert len(daemon.events("digest.catching_up")) == 1
        text = next(server.messages[0].message.iter_parts()).get_content()
        assert "Hungary calls for EU talks with Moscow" in text and "Estonia expels" in text
        assert daemon.stop()[0] == 0

        # Restarted: the latest slot is covered now, so nothing goes out until the next one.
        again = Daemon(config, tmp_path / "daemon2.log")
        daemons.append(again)
        time.sleep(DIGEST_CATCH_UP_DELAY + 2)
        assert again.events("digest.catching_up") == [] and len(server.messages) == 1
        assert again.stop()[0] == 0
    finally:
        server.stop()
    store = open_store(db)
    try:
        runs = store.digest_runs("daily")
    finally:
        store.close()
    assert [r.status for r in runs] == ["sent", "sent"]
    assert runs[0].scheduled_for is not None and runs[0].scheduled_for <= runs[0].created_at
    # Built and sent in the digest process, not on the daemon's own interpreter (where it stalled polling).
    assert runs[0].owner is not None and runs[0].owner.rsplit(":", 1)[1] != str(daemon_pid)


def test_a_failed_digest_is_planned_for_a_retry_and_sigterm_still_exits_0(tmp_path: Path,
                                                                          daemons: list[Daemon]) -> None:
    config, db = setup(tmp_path, free_port())  # no SMTP server there
    daemon = Daemon(config, tmp_path / "daemon.log")
    daemons.append(daemon)
    failed = daemon.wait_for("digest.failed", DIGEST_CATCH_UP_DELAY + 20)
    assert "cannot connect" in failed["error"]
    planned = daemon.wait_for("digest.retry_planned", 5)
    delay = datetime.fromisoformat(planned["at"]) - datetime.now(UTC)
    assert timedelta(minutes=3) < delay <= timedelta(minutes=5)
    assert daemon.stop()[0] == 0
    store = open_store(db)
    try:
        assert [r.status for r in store.digest_runs("daily")] == ["failed", "sent"]
    finally:
        store.close()


def test_the_digest_process_yields_the_cores_to_polling() -> None:
    """A weekly digest is seconds of CPU; on two cores it took a fifth of the polls made in those seconds (issue 8:
    polling during a digest must stay at 90 % or more). Its process runs at a lower priority than the daemon's."""
    digester = DigestProcess()
    try:
        niceness = digester._executor().submit(os.nice, 0).result(timeout=60)
    finally:
        digester.close()
    assert niceness >= min(19, os.nice(0) + DIGEST_NICENESS)  # 19 is the lowest priority there is
