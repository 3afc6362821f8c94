"""Where a digest goes: an SMTP server (STARTTLS or implicit TLS, with login), or the outbox folder.

The message is ``multipart/alternative`` (plain text first, HTML second, as RFC 2046 wants the preferred part
last) with the headers mail clients and filters use to thread and sort it: ``Message-ID``, ``Date``,
``List-Id`` (so a reader can filter on the digest's name) and ``Auto-Submitted`` (so vacation responders stay
quiet).

Failures come back as one ``DeliveryError`` line that says whether trying again can help: a refused connection,
a timeout or a 4xx reply can; a rejected password, an untrusted certificate or a 5xx reply cannot, and retrying
those would only delay the error the user needs to see. The password is registered with the log formatter before
any connection is made, so no log line can carry it.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from monitor.config import SmtpSettings
from monitor.files import write_atomic
from monitor.logs import register_secret


class DeliveryError(Exception):
    """One line for the user; ``transient`` says whether another attempt may succeed."""

    def __init__(self, message: str, transient: bool):
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Delivered:
    where: str  # "smtp host:port" or the .eml path
    refused: tuple[str, ...] = ()  # recipients the server refused while accepting the others


def sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rsplit("@", 1)[1].lower() if "@" in address else "localhost"


def list_id(name: str, sender: str) -> str:
    """RFC 2919: a phrase and a dot-atom label, stable for as long as the digest keeps its name."""
    return f"monitor {name} digest <{name.lower()}.digests.{sender_domain(sender)}>"


def build_message(*, sender: str, recipients: tuple[str, ...], subject: str, text: str, html: str, name: str,
                  date: datetime, idstring: str) -> EmailMessage:
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = make_msgid(idstring=idstring, domain=sender_domain(sender))
    msg["List-Id"] = list_id(name, sender)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Monitor-Digest"] = name
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def _smtp_error(exc: smtplib.SMTPResponseException, what: str) -> DeliveryError:
    reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return DeliveryError(f"{what}: {exc.smtp_code} {' '.join(reply.split())}", transient=400 <= exc.smtp_code < 500)


def send_smtp(msg: EmailMessage, cfg: SmtpSettings) -> Delivered:
    """Hand the message to the server; returns once the server accepted it (for at least one recipient)."""
    register_secret(cfg.password)
    where = f"smtp {cfg.host}:{cfg.port}"
    try:
        context = ssl.create_default_context(cafile=cfg.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise DeliveryError(f"{where}: cannot read smtp.ca_file {cfg.ca_file}: {exc}", transient=False) from None
    # EHLO names this machine; smtplib's default looks the name up in DNS, which can hang where DNS is broken.
    local = socket.gethostname() or "localhost"
    try:
        client: smtplib.SMTP
        if cfg.ssl:
            client = smtplib.SMTP_SSL(cfg.host, cfg.port, local_hostname=local, timeout=cfg.timeout, context=context)
        else:
            client = smtplib.SMTP(cfg.host, cfg.port, local_hostname=local, timeout=cfg.timeout)
        with client:
            client.ehlo()
            if cfg.starttls:
                if not client.has_extn("starttls"):
                    raise DeliveryError(f"{where}: the server does not offer STARTTLS (set smtp.starttls: false "
                                        "only for a server on this machine)", transient=False)
                client.starttls(context=context)
                client.ehlo()
            if cfg.username:
                client.login(cfg.username, cfg.password or "")
            refused = client.send_message(msg)
    except DeliveryError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise _smtp_error(exc, f"{where}: login as {cfg.username!r} refused") from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        first = next(iter(exc.recipients.items()))
        reply = first[1][1].decode("utf-8", "replace") if isinstance(first[1][1], bytes) else str(first[1][1])
        raise DeliveryError(f"{where}: every recipient refused (e.g. {first[0]}: {first[1][0]} {reply})",
                            transient=all(400 <= c < 500 for c in codes)) from None
    except smtplib.SMTPResponseException as exc:
        raise _smtp_error(exc, f"{where}: server said") from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(f"{where}: TLS certificate not trusted ({exc.verify_message}); set smtp.ca_file to the "
                            "CA that signed it", transient=False) from None
    except ssl.SSLError as exc:
        raise DeliveryError(f"{where}: TLS failed: {exc.reason or exc}", transient=False) from None
    except smtplib.SMTPServerDisconnected as exc:
        raise DeliveryError(f"{where}: connection closed by the server ({exc or 'no reason given'})",
                            transient=True) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(f"{where}: {exc}", transient=False) from None
    except smtplib.SMTPException as exc:  # before OSError, of which smtplib's errors are a kind
        raise DeliveryError(f"{where}: {type(exc).__name__}: {exc}", transient=True) from None
    except TimeoutError:
        raise DeliveryError(f"{where}: no answer within {cfg.timeout:g}s", transient=True) from None
    except OSError as exc:
        raise DeliveryError(f"{where}: cannot connect: {exc.strerror or exc}", transient=True) from None
    return Delivered(where, tuple(sorted(refused)))


def write_outbox(msg: EmailMessage, html: str, folder: str | Path, stem: str) -> Delivered:
    """Without an SMTP server: the message as ``stem.eml`` (opens in any mail client) and its HTML as
    ``stem.html`` (opens in a browser), each written whole or not at all."""
    out = Path(folder)
    eml = out / f"{stem}.eml"
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(out / f"{stem}.html", html)
        write_atomic(eml, msg.as_bytes())
    except OSError as exc:
        raise DeliveryError(f"outbox {out}: cannot write: {exc.strerror or exc}", transient=False) from None
    return Delivered(str(eml))


__all__ = ["Delivered", "DeliveryError", "build_message", "list_id", "send_smtp", "write_outbox"]
