"""Notifications for reviewers: an e-mail (SMTP) and/or a Telegram message, in Indonesian.

Settings read: ``notify.email.*`` (host, port, starttls, username, from, to),
``notify.telegram.*`` (chat_id, api_base), ``report.email_to``, ``report.telegram_chat_id``,
``review.public_url`` / ``review.host`` / ``review.port`` (the address put in the message),
``publish.timeout`` (network timeout, also for SMTP, capped at 30 s); secrets only from the
environment: ``PROMO_SMTP_PASSWORD`` and the Telegram channel's bot token
(``PROMO_TELEGRAM_TOKEN``). Telegram messages go through the same Bot API client as the
Telegram channel (:mod:`promo_pipeline.publish.telegram_bot`): a flood limit (429) is waited
out up to :data:`TELEGRAM_FLOOD_WAIT_MAX` seconds, and a group that became a supergroup is
followed to its new id.

Sent after a run that queued posts (:func:`run_finished`), after a run that failed
(:func:`run_failed`: e.g. every listed lot skipped after an API change) and after a publish that
left deliveries failed or unconfirmed (:func:`publish_problems`); the monthly report goes to its
own recipients (:func:`send_report`), by the same SMTP server and bot. A notification is a
courtesy: every failure is logged (with secrets redacted) and reported in the return value,
never raised. A channel whose settings are empty is skipped.
"""

from __future__ import annotations

import logging
import mimetypes
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from promo_pipeline import clock, present, runs
from promo_pipeline.config import Config, secret, secret_env
from promo_pipeline.config.secrets import Redactor
from promo_pipeline.errors import PublishError
from promo_pipeline.queue import posts

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


def _redactor() -> Redactor:
    return Redactor([secret("smtp"), secret("telegram")])


def send_email(cfg: Config, subject: str, text: str, *, to: Sequence[str] | None = None,
               attachments: Sequence[Path] = ()) -> str:
    """Send one message to *to* (default ``notify.email.to``) through ``notify.email``'s
    server, with *attachments*; returns ``"sent"``, ``"skipped"`` or an error."""
    em = cfg.notify.email
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
    password = secret("smtp")
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
                        0, b"PROMO_SMTP_PASSWORD is not set")
                client.login(em.username, password)
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        reason = _redactor()(f"{type(exc).__name__}: {exc}")
        logger.warning("notify: e-mail to %s via %s:%s failed: %s", len(recipients), em.host,
                       em.port, reason)
        return f"gagal: {reason}"
    logger.info("notify: e-mail sent to %d recipient(s)", len(recipients))
    return SENT


def send_telegram(cfg: Config, text: str, *,
                  sleep: Callable[[float], None] = time.sleep, chat_id: str | None = None,
                  document: Path | None = None) -> str:
    """Send *text* to *chat_id* (default ``notify.telegram.chat_id``), or *document* with
    *text* as its caption; returns ``"sent"``, ``"skipped"`` or an error."""
    tg = cfg.notify.telegram
    chat = tg.chat_id if chat_id is None else chat_id
    if not chat:
        return SKIPPED
    token = secret("telegram")
    token_env = secret_env("telegram")
    if not token:
        logger.warning("notify: notify.telegram.chat_id is set but %s is not", token_env)
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
        reason = _redactor()(str(exc))
        logger.warning("notify: Telegram message failed: %s", reason)
        return f"gagal: {reason}"
    finally:
        bot.close()
    logger.info("notify: Telegram message sent")
    return SENT


def notify(cfg: Config, subject: str, text: str) -> dict[str, str]:
    """Send *text* by every configured notification channel; returns channel → outcome."""
    results = {"email": send_email(cfg, subject, text),
               "telegram": send_telegram(cfg, f"{subject}\n\n{text}")}
    return {k: v for k, v in results.items() if v != SKIPPED}


def run_finished(cfg: Config, *, queued: int, summary_line: str | None = None
                 ) -> dict[str, str]:
    """After a run: tell reviewers how many posts wait for them (nothing when none)."""
    if queued <= 0:
        return {}
    offices = ", ".join(o.name for o in cfg.offices) or "kantor Anda"
    subject = f"[Promo] {queued} unggahan baru menunggu tinjauan"
    lines = [
        f"Ada {queued} unggahan baru untuk {offices} yang menunggu tinjauan.",
        "",
        f"Buka halaman tinjauan: {review_url(cfg, '/queue')}",
        "Setujui, sunting atau tolak setiap unggahan sebelum diterbitkan.",
    ]
    if summary_line:
        lines += ["", f"Ringkasan: {summary_line}"]
    lines += ["", "— Pesan otomatis Promo Pipeline"]
    return notify(cfg, subject, "\n".join(lines))


def run_failed(cfg: Config, run: runs.Run) -> dict[str, str]:
    """Tell reviewers that run *run* failed and why (its errors, first the run-health line)."""
    offices = ", ".join(o.name for o in cfg.offices) or "kantor Anda"
    first = run.errors[0] if run.errors else "tanpa keterangan"
    subject = f"[Promo] {present.RUN_KINDS.get(run.kind, run.kind)} #{run.id} gagal: " \
              f"{first[:120]}"
    lines = [f"{present.RUN_KINDS.get(run.kind, run.kind)} #{run.id} untuk {offices} gagal. "
             "Tidak ada unggahan baru dari lot yang bermasalah.", ""]
    lines += [f"• {err}" for err in run.errors[:10]]
    if len(run.errors) > 10:
        lines.append(f"• … dan {len(run.errors) - 10} galat lain")
    lines += ["", "Periksa log atau jalankan `promo run -v`; bila format lelang.go.id berubah, "
              "hubungi petugas TI.", "", "— Pesan otomatis Promo Pipeline"]
    return notify(cfg, subject, _redactor()("\n".join(lines)))


def queued_since_run(db: Database, run_id: int) -> tuple[int, int]:
    """``(posts queued by run *run_id*, posts pending review in all)``, from the database.

    Counted from the posts made while the run ran rather than from the run's own counters, so
    it holds for every kind of run (daily, ``--lot``, digest) whatever the stages report.
    """
    run = runs.get_run(db, run_id)
    if run is None:
        return 0, 0
    return posts.pending_created(
        db, since=clock.iso(run.started_at),
        until=clock.iso(run.finished_at) if run.finished_at else None)


def after_run(cfg: Config, db: Database, run_id: int) -> dict[str, str]:
    """Notify reviewers after run *run_id* if it failed, and if it queued posts; never raises."""
    sent: dict[str, str] = {}
    try:
        run = runs.get_run(db, run_id)
        if run is not None and run.status == runs.FAILED:
            sent.update({f"{k}:failed": v for k, v in run_failed(cfg, run).items()})
        new, pending = queued_since_run(db, run_id)
    except Exception:  # a notification must never break a run
        logger.exception("notify: cannot read run %s", run_id)
        return sent
    line = (f"{pending} unggahan {present.post_status('pending')} saat ini"
            if pending > new else None)
    return {**sent, **run_finished(cfg, queued=new, summary_line=line)}


def publish_problems(cfg: Config, db: Any, problems: Iterable[Any]) -> dict[str, str]:
    """After a publish: list the deliveries that failed or are unconfirmed (nothing if none).

    *problems* are :class:`~promo_pipeline.publish.outbox.DeliveryOutcome` objects (or
    anything with ``post_id``, ``channel``, ``status`` and ``error``).
    """
    items = list(problems)
    if not items:
        return {}
    failed = [p for p in items if p.status == "failed"]
    unsure = [p for p in items if p.status == "unconfirmed"]
    subject = f"[Promo] {len(items)} pengiriman perlu diperiksa"
    lines = []
    if failed:
        lines.append(f"{len(failed)} pengiriman {present.delivery_status('failed').upper()} "
                     "(tidak akan dicoba ulang otomatis):")
        lines += [f"• Unggahan #{p.post_id} ({p.channel}): {p.error or 'tanpa keterangan'}"
                  for p in failed]
        lines.append("")
    if unsure:
        lines.append(f"{len(unsure)} pengiriman {present.delivery_status('unconfirmed').upper()} "
                     "(mungkin sudah tayang; periksa akun sebelum mengirim ulang):")
        lines += [f"• Unggahan #{p.post_id} ({p.channel}): {p.error or 'jawaban hilang'}"
                  for p in unsure]
        lines.append("")
    post_ids = sorted({p.post_id for p in items})
    lines.append("Selesaikan di halaman tinjauan:")
    lines += [f"  {review_url(cfg, f'/posts/{pid}')}" for pid in post_ids]
    lines += ["atau dengan: promo queue resolve ID --sent | --resend", "",
              "— Pesan otomatis Promo Pipeline"]
    return notify(cfg, subject, _redactor()("\n".join(lines)))


def send_report(cfg: Config, *, month_label: str, office_name: str, summary: str,
                html: Path, csvs: Sequence[Path] = ()) -> dict[str, str]:
    """The monthly report to ``report.email_to`` (the HTML and the CSV files attached) and
    ``report.telegram_chat_id`` (the HTML as a document); returns channel → outcome."""
    subject = f"[Promo] Laporan promosi {month_label} — {office_name}"
    text = (f"Laporan promosi lelang {office_name} untuk {month_label}.\n{summary}\n\n"
            "Buka berkas HTML terlampir di peramban mana pun (tanpa internet); angka lengkap "
            "ada di berkas CSV.")
    results = {
        "email": send_email(cfg, subject, text, to=cfg.report.email_to,
                            attachments=[html, *csvs]),
        "telegram": send_telegram(cfg, f"{subject}\n{summary}",
                                  chat_id=cfg.report.telegram_chat_id, document=html),
    }
    return {k: v for k, v in results.items() if v != SKIPPED}
