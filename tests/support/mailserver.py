"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), that can require STARTTLS or speak implicit TLS, ask
for a login, and answer with a temporary or permanent error on purpose."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.net import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=default)  # type: ignore[return-value]


@dataclass
class Inbox:
    """The handler: keeps what arrives; ``replies`` are answered to DATA instead of accepting, one per message."""

    messages: list[Received] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stall_first: float = 0.0  # seconds the first message's DATA waits before an answer (a sender killed meanwhile)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.stall_first and not self.attempts:
            self.attempts += 1
            import asyncio

            await asyncio.sleep(self.stall_first)
            return "451 4.3.0 too late, the sender is gone"
        with self.lock:
            self.attempts += 1
            if self.replies:
                return self.replies.pop(0)
            login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, login))
        return "250 2.0.0 OK queued"


class MailServer:
    def __init__(self, port: int | None = None, *, starttls: ssl.SSLContext | None = None,
                 implicit_tls: ssl.SSLContext | None = None, logins: dict[str, str] | None = None):
        self.inbox = Inbox()
        self.port = port or free_port()
        self.logins = logins
        kwargs: dict[str, Any] = {}
        if starttls is not None:
            kwargs.update(tls_context=starttls, require_starttls=True)
        if logins is not None:
            # aiosmtpd only knows about TLS it started itself (STARTTLS); under implicit TLS the whole connection
            # is encrypted already.
            kwargs.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=starttls is not None)
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, ssl_context=implicit_tls,
                                     server_hostname="mail.test", **kwargs)
        self.controller.start()

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and self.logins is not None
              and self.logins.get(auth_data.login.decode()) == auth_data.password.decode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    @property
    def messages(self) -> list[Received]:
        return self.inbox.messages

    def stop(self) -> None:
        self.controller.stop()


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, made now, and its key: (cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "monitor test SMTP")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx
