"""E-mail over SMTP, with STARTTLS and login when configured.

The Message-ID is derived from the event id, so a retry after a crash sends the same
message again rather than a new one: mail systems that collapse duplicates by Message-ID
(Gmail does) show it once, and any mail client can filter on it. SMTP itself cannot be asked
whether a message already went out, so this channel is exactly-once only in that sense.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime

from tracker.alerts.channels.base import ChannelError, SendResult
from tracker.alerts.config import EmailSettings
from tracker.alerts.messages import Message
from tracker.records import parse_instant

SmtpFactory = Callable[..., smtplib.SMTP]
PERMANENT_SMTP_ERRORS = (
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
)


def message_id(event_id: str, sender: str) -> str:
    """A Message-ID that is the same for every send of one alert."""
    domain = sender.rpartition("@")[2] or "cape-tracker.invalid"
    return f"<{event_id}.cape-tracker@{domain}>"


def build_email(message: Message, settings: EmailSettings) -> EmailMessage:
    """The e-mail for one alert: plain text, marked as automatic, with a stable Message-ID."""
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = settings.sender
    mail["To"] = ", ".join(settings.recipients)
    mail["Date"] = format_datetime(parse_instant(message.at, "at"))
    mail["Message-ID"] = message_id(message.event_id, settings.sender)
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Cape-Event-Id"] = message.event_id
    mail["X-Cape-Event"] = message.event_type
    footer = [f"Details: {message.link}"] if message.link else []
    footer.append(f"cape-tracker event {message.event_id} at {message.at}")
    mail.set_content(message.text + "\n\n-- \n" + "\n".join(footer) + "\n")
    return mail


class EmailChannel:
    """Sends alerts through one SMTP server to a fixed list of recipients."""

    name = "email"

    def __init__(
        self, settings: EmailSettings, smtp_factory: SmtpFactory, tls_context: ssl.SSLContext | None
    ):
        self.settings = settings
        self.smtp_factory = smtp_factory
        self.tls_context = tls_context

    def send(self, message: Message) -> SendResult:
        mail = build_email(message, self.settings)
        try:
            self._transmit(mail)
        except PERMANENT_SMTP_ERRORS as exc:
            raise ChannelError(f"email: {_describe(exc)}", transient=False) from None
        except smtplib.SMTPResponseException as exc:
            raise ChannelError(f"email: {_describe(exc)}", transient=exc.smtp_code < 500) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"email: {_describe(exc)}", transient=True) from None
        return SendResult(mail["Message-ID"])

    def _transmit(self, mail: EmailMessage) -> None:
        settings = self.settings
        with self.smtp_factory(settings.host, settings.port, timeout=settings.timeout_seconds) as smtp:
            smtp.ehlo()
            if settings.starttls:
                smtp.starttls(context=self.tls_context or ssl.create_default_context())
                smtp.ehlo()
            if settings.user and settings.password is not None:
                smtp.login(settings.user, settings.password.reveal())
            smtp.send_message(mail)


def _describe(exc: Exception) -> str:
    """What went wrong, from the exception's class and the server's answer (never the password)."""
    code = getattr(exc, "smtp_code", None)
    if code is not None:
        answer = getattr(exc, "smtp_error", b"")
        text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
        return f"{type(exc).__name__}: SMTP {code} {' '.join(text.split())[:200]}"
    return f"{type(exc).__name__}: {exc}"
