"""Notifications for reviewers: an e-mail (SMTP) and/or a Telegram message, in Indonesian.

Settings read: ``notify.email.*`` (host, port, starttls, username, from, to),
``notify.telegram.*`` (chat_id, api_base), each office's ``[offices.notify]`` merged over them
(:meth:`Config.notify_for`), ``report.email_to``, ``report.telegram_chat_id`` (and an office's
``[offices.report]``: :meth:`Config.report_for`), ``offices[].name``, ``offices[].secret_suffix``,
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

Several offices (a Kanwil): every notice is about some offices' posts, and goes to the
*audience* of each (:func:`audiences`). An office with its own ``[offices.notify]`` is told
alone, at its own addresses and chat, with its own secrets when set
(``PROMO_TELEGRAM_TOKEN_<SUFFIX>``, ``PROMO_SMTP_PASSWORD_<SUFFIX>``, else the unsuffixed ones);
the offices without one share the top-level ``[notify]``, in one message that names them.
Offices whose settings come out the same are told together. Each message counts only its
audience's posts and links the review page filtered to its office when it has one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from promo_pipeline import clock, present, runs
from promo_pipeline.config import Config
from promo_pipeline.notify.audience import Audience, audiences, install, queue_url
from promo_pipeline.notify.send import (
    SENT,
    SKIPPED,
    SMTP_TIMEOUT,
    TELEGRAM_FLOOD_WAIT_MAX,
    redactor,
    review_url,
    send_email,
    send_telegram,
)
from promo_pipeline.queue import posts

__all__ = [
    "SENT", "SKIPPED", "SMTP_TIMEOUT", "TELEGRAM_FLOOD_WAIT_MAX", "Audience", "after_run",
    "audiences", "notify", "publish_problems", "queued_by_office", "queued_since_run",
    "report_recipients", "review_url", "run_failed", "run_finished", "send_email",
    "send_report", "send_telegram",
]

logger = logging.getLogger(__name__)


def notify(cfg: Config, subject: str, text: str, audience: Audience | None = None
           ) -> dict[str, str]:
    """Send *text* by every notification channel of *audience* (default: the top-level
    ``[notify]``); returns channel → outcome (``email:<office>`` for an office's own)."""
    to = audience or install(cfg)
    results = {"email": send_email(cfg, subject, text, settings=to.settings.email,
                                   password_env=to.smtp_env or None),
               "telegram": send_telegram(cfg, f"{subject}\n\n{text}",
                                         settings=to.settings.telegram,
                                         token_env=to.telegram_env or None)}
    suffix = f":{to.label}" if to.label else ""
    return {f"{k}{suffix}": v for k, v in results.items() if v != SKIPPED}


def run_finished(cfg: Config, *, queued: int | Mapping[str | None, int],
                 pending: Mapping[str | None, int] | None = None,
                 summary_line: str | None = None) -> dict[str, str]:
    """After a run: tell reviewers how many posts wait for them (nothing when none).

    *queued*: the new posts, in all (told to the top-level ``[notify]``), or by office (each
    audience told its offices' count; *pending*, by office, adds how many wait in all).
    """
    if isinstance(queued, int):
        if queued <= 0:
            return {}
        return _queued_notice(cfg, install(cfg), queued, summary_line)
    sent: dict[str, str] = {}
    for audience in audiences(cfg, [o for o, n in queued.items() if n > 0]):
        new = sum(queued.get(o, 0) for o in audience.office_ids)
        waiting = sum((pending or {}).get(o, 0) for o in audience.office_ids)
        line = (f"{waiting} unggahan {present.post_status('pending')} saat ini"
                if waiting > new else summary_line)
        sent.update(_queued_notice(cfg, audience, new, line))
    return sent


def _queued_notice(cfg: Config, audience: Audience, queued: int, summary_line: str | None
                   ) -> dict[str, str]:
    subject = f"[Promo] {queued} unggahan baru menunggu tinjauan"
    lines = [
        f"Ada {queued} unggahan baru untuk {audience.offices_text()} yang menunggu tinjauan.",
        "",
        f"Buka halaman tinjauan: {queue_url(cfg, audience)}",
        "Setujui, sunting atau tolak setiap unggahan sebelum diterbitkan.",
    ]
    if summary_line:
        lines += ["", f"Ringkasan: {summary_line}"]
    lines += ["", "— Pesan otomatis Promo Pipeline"]
    return notify(cfg, subject, "\n".join(lines), audience)


def run_failed(cfg: Config, run: runs.Run) -> dict[str, str]:
    """Tell reviewers that run *run* failed and why (its errors, first the run-health line):
    the audiences of the run's offices (every office's for a run of all)."""
    sent: dict[str, str] = {}
    for audience in audiences(cfg, run.offices or None) or [install(cfg)]:
        sent.update(_failed_notice(cfg, run, audience))
    return sent


def _failed_notice(cfg: Config, run: runs.Run, audience: Audience) -> dict[str, str]:
    first = run.errors[0] if run.errors else "tanpa keterangan"
    kind = present.RUN_KINDS.get(run.kind, run.kind)
    subject = f"[Promo] {kind} #{run.id} gagal: {first[:120]}"
    lines = [f"{kind} #{run.id} untuk {audience.offices_text()} gagal. "
             "Tidak ada unggahan baru dari lot yang bermasalah.", ""]
    lines += [f"• {err}" for err in run.errors[:10]]
    if len(run.errors) > 10:
        lines.append(f"• … dan {len(run.errors) - 10} galat lain")
    lines += ["", "Periksa log atau jalankan `promo run -v`; bila format lelang.go.id berubah, "
              "hubungi petugas TI.", "", "— Pesan otomatis Promo Pipeline"]
    return notify(cfg, subject, redactor()("\n".join(lines)), audience)


def queued_since_run(db: Database, run_id: int) -> tuple[int, int]:
    """``(posts queued by run *run_id*, posts pending review in all)``, from the database.

    Counted from the posts made while the run ran rather than from the run's own counters, so
    it holds for every kind of run (daily, ``--lot``, digest) whatever the stages report.
    """
    by_office = queued_by_office(db, run_id)
    return (sum(n for n, _ in by_office.values()), sum(t for _, t in by_office.values()))


def queued_by_office(db: Database, run_id: int) -> dict[str | None, tuple[int, int]]:
    """:func:`queued_since_run` by office: ``{office id: (queued by the run, pending)}``."""
    run = runs.get_run(db, run_id)
    if run is None:
        return {}
    return posts.pending_created_by_office(
        db, since=clock.iso(run.started_at),
        until=clock.iso(run.finished_at) if run.finished_at else None)


def after_run(cfg: Config, db: Database, run_id: int) -> dict[str, str]:
    """Notify reviewers after run *run_id* if it failed, and if it queued posts (each office's
    audience its own count); never raises."""
    sent: dict[str, str] = {}
    try:
        run = runs.get_run(db, run_id)
        if run is not None and run.status == runs.FAILED:
            sent.update({f"{k}:failed": v for k, v in run_failed(cfg, run).items()})
        by_office = queued_by_office(db, run_id)
    except Exception:  # a notification must never break a run
        logger.exception("notify: cannot read run %s", run_id)
        return sent
    new = {o: n for o, (n, _) in by_office.items()}
    waiting = {o: t for o, (_, t) in by_office.items()}
    return {**sent, **run_finished(cfg, queued=new, pending=waiting)}


def publish_problems(cfg: Config, db: Any, problems: Iterable[Any]) -> dict[str, str]:
    """After a publish: list the deliveries that failed or are unconfirmed (nothing if none),
    each office's to its audience.

    *problems* are :class:`~promo_pipeline.publish.outbox.DeliveryOutcome` objects (or
    anything with ``post_id``, ``channel``, ``status`` and ``error``).
    """
    items = list(problems)
    if not items:
        return {}
    office_of: dict[int, str | None] = {}
    for p in items:
        if p.post_id not in office_of:
            post = posts.find_post(db, p.post_id)
            office_of[p.post_id] = post.office_id if post is not None else None
    sent: dict[str, str] = {}
    for audience in audiences(cfg, list(dict.fromkeys(office_of.values()))):
        mine = [p for p in items if office_of[p.post_id] in audience.office_ids]
        sent.update(_problems_notice(cfg, audience, mine))
    return sent


def _problems_notice(cfg: Config, audience: Audience, items: Sequence[Any]) -> dict[str, str]:
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
    return notify(cfg, subject, redactor()("\n".join(lines)), audience)


def report_recipients(cfg: Config, office_id: str | None = None) -> bool:
    """Whether the monthly report of *office_id* (None: any office) goes anywhere."""
    ids = [office_id] if office_id else [o.id for o in cfg.offices] or [None]
    return any(cfg.report_for(i).email_to or cfg.report_for(i).telegram_chat_id for i in ids)


def send_report(cfg: Config, *, month_label: str, office_name: str, summary: str,
                html: Path, csvs: Sequence[Path] = (), office_id: str | None = None
                ) -> dict[str, str]:
    """The monthly report to ``report.email_to`` (the HTML and the CSV files attached) and
    ``report.telegram_chat_id`` (the HTML as a document) — of *office_id*'s
    ``[offices.report]`` when it has one, through its audience's SMTP server and bot;
    returns channel → outcome."""
    subject = f"[Promo] Laporan promosi {month_label} — {office_name}"
    text = (f"Laporan promosi lelang {office_name} untuk {month_label}.\n{summary}\n\n"
            "Buka berkas HTML terlampir di peramban mana pun (tanpa internet); angka lengkap "
            "ada di berkas CSV.")
    report = cfg.report_for(office_id)
    (audience,) = audiences(cfg, [office_id]) if office_id else [install(cfg)]
    results = {
        "email": send_email(cfg, subject, text, to=report.email_to,
                            attachments=[html, *csvs], settings=audience.settings.email,
                            password_env=audience.smtp_env),
        "telegram": send_telegram(cfg, f"{subject}\n{summary}",
                                  chat_id=report.telegram_chat_id, document=html,
                                  settings=audience.settings.telegram,
                                  token_env=audience.telegram_env),
    }
    return {k: v for k, v in results.items() if v != SKIPPED}
