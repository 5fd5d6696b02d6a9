"""How a notification travels: one e-mail through an SMTP server, one Telegram message (or a
document) through the Bot API client the Telegram channel uses; and the review page address a
message links to. Every function returns ``"sent"``, ``"skipped"`` (nothing configured) or
``"gagal: …"`` with secrets redacted; none raises.

Settings read: the ``[notify.email]`` / ``[notify.telegram]`` tables passed in (default the
top level), ``review.public_url`` / ``review.host`` / ``review.port``, ``publish.timeout``;
secrets from the environment variables passed in (default ``PROMO_SMTP_PASSWORD`` and
``PROMO_TELEGRAM_TOKEN``).
"""

from __future__ import annotations

import logging
import mimetypes
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from promo_pipeline.config import Config, secret, secret_env
from promo_pipeline.config.model import NotifyEmail, NotifyTelegram
from promo_pipeline.config.secrets import APP_SECRETS, Redactor, env_value, secret_values
from promo_pipeline.errors import PublishError

logger = logging.getLogger(__name__)

SENT = "sent"
SKIPPED = "skipped"
SMTP_TIMEOUT = 30.0
#: The longest Telegram flood-limit wait a notification sits out (a longer one fails it).
TELEGRAM_FLOOD_WAIT_MAX = 30.0


def review_url(cfg: Config, path: str = "") -> str:
    """The review page address reviewers can open (``review.public_url`` when set)."""
    if cfg.review.public_url:
        base = cfg.review.public_url.rstrip("/")
    else:
        host = cfg.review.host
        if host in ("0.0.0.0", "::", ""):  # noqa: S104 - compared, not bound
            host = socket.gethostname()
        if ":" in host:
            host = f"[{host}]"
        base = f"http://{host}:{cfg.review.port}"
    return base + path


def redactor() -> Redactor:
    return Redactor(secret_values())


def send_email(cfg: Config, subject: str, text: str, *, to: Sequence[str] | None = None,
               attachments: Sequence[Path] = (), settings: NotifyEmail | None = None,
               password_env: str | None = None) -> str:
    """Send one message to *to* (default the settings' ``to``) through *settings*' server
    (default ``notify.email``), with *attachments*; the password from *password_env* (default
    ``PROMO_SMTP_PASSWORD``). Returns ``"sent"``, ``"skipped"`` or an error."""
    em = settings or cfg.notify.email
    recipients = list(em.to if to is None else to)
    if not em.host or not recipients:
        return SKIPPED
    sender = em.from_ or (em.username if "@" in em.username else f"promo@{socket.getfqdn()}")
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(text)
    for path in attachments:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, _, subtype = kind.partition("/")
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype,
                           filename=path.name)
    password = env_value(password_env) if password_env else secret("smtp")
    timeout = min(SMTP_TIMEOUT, cfg.publish.timeout)
    try:
        if em.port == 465:
            client: smtplib.SMTP = smtplib.SMTP_SSL(em.host, em.port, timeout=timeout,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(em.host, em.port, timeout=timeout)
        with client:
            client.ehlo()
            if em.starttls and em.port != 465:
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if em.username:
                if not password:
                    raise smtplib.SMTPAuthenticationError(
                        0, f"{password_env or APP_SECRETS['smtp']} is not set".encode())
                client.login(em.username, password)
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        reason = redactor()(f"{type(exc).__name__}: {exc}")
        logger.warning("notify: e-mail to %s via %s:%s failed: %s", len(recipients), em.host,
                       em.port, reason)
        return f"gagal: {reason}"
    logger.info("notify: e-mail sent to %d recipient(s)", len(recipients))
    return SENT


def send_telegram(cfg: Config, text: str, *,
                  sleep: Callable[[float], None] = time.sleep, chat_id: str | None = None,
                  document: Path | None = None, settings: NotifyTelegram | None = None,
                  token_env: str | None = None) -> str:
    """Send *text* to *chat_id* (default the settings' ``chat_id``; settings default
    ``notify.telegram``), or *document* with *text* as its caption, with the bot token of
    *token_env* (default ``PROMO_TELEGRAM_TOKEN``); returns ``"sent"``, ``"skipped"`` or an
    error."""
    tg = settings or cfg.notify.telegram
    chat = tg.chat_id if chat_id is None else chat_id
    if not chat:
        return SKIPPED
    token_env = token_env or secret_env("telegram")
    token = env_value(token_env)
    if not token:
        logger.warning("notify: a notification chat is set but %s is not", token_env)
        return f"gagal: {token_env} belum diisi"
    from promo_pipeline.publish.telegram_bot import TelegramBot, split_text

    bot = TelegramBot(tg.api_base, token, chat, timeout=cfg.publish.timeout,
                      token_env=token_env, channel="notify.telegram",
                      flood_wait_max=TELEGRAM_FLOOD_WAIT_MAX, sleep=sleep)
    try:
        if document is not None:
            bot.send_document(document, caption=text[:1024])
        else:
            for chunk in split_text(text):
                bot.send_message(chunk)
    except PublishError as exc:
        reason = redactor()(str(exc))
        logger.warning("notify: Telegram message failed: %s", reason)
        return f"gagal: {reason}"
    finally:
        bot.close()
    logger.info("notify: Telegram message sent")
    return SENT
