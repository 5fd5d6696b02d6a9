"""The words staff read: statuses, kinds, changes and run summaries, in Indonesian.

Settings read: none (callers pass the office zone where a time is shown).

The CLI, the review page and the notifications all take their words from here, so a post that
is "menunggu tinjauan" in the terminal is not "Menunggu" on the page and something else in an
e-mail. Pages capitalise the first letter for badges and tabs; the words are the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from promo_pipeline.queue.records import Change, Post
    from promo_pipeline.runs import RunSummary

POST_STATUSES = {
    "pending": "menunggu tinjauan",
    "approved": "disetujui",
    "rejected": "ditolak",
    "published": "terbit",
    "failed": "gagal terbit",
    "unconfirmed": "belum pasti terbit",
    "expired": "kedaluwarsa",
    "outdated": "usang (ada versi baru)",
    "withdrawn": "ditarik",
}
POST_KINDS = {"lot": "lot", "digest": "rangkuman pekanan", "reminder": "pengingat H-1"}
DELIVERY_STATUSES = {
    "queued": "antre kirim",
    "sending": "sedang dikirim",
    "sent": "terkirim",
    "failed": "gagal",
    "unconfirmed": "belum pasti",
    "cancelled": "dibatalkan",
}
LOT_STATUSES = {"active": "aktif", "withdrawn": "ditarik", "ended": "berakhir"}
ROLES = {"reviewer": "peninjau", "admin": "admin"}
#: What a post_events row records, when it is not a status change.
EVENT_ACTIONS = {"edit": "keterangan diubah", "images": "gambar diganti",
                 "transition": "diubah", "create": "dibuat",
                 "refused": "ditolak: di luar kantor akun",
                 "restore": "data pribadi dipulihkan"}
#: Personal data the title reading removes (:mod:`promo_pipeline.titles`), as staff read each
#: kind, and why it was removed (the review page shows both beside the removed text).
REDACTION_KINDS = {"phone": "nomor telepon", "nik": "NIK", "email": "alamat surel",
                   "person_name": "nama orang"}
REDACTION_WHY = {
    "phone": "nomor pribadi (mis. nomor kartu SIM ponsel sitaan), bukan kontak kantor",
    "nik": "deret 16 angka seperti NIK: data kependudukan",
    "email": "alamat surel pribadi",
    "person_name": "nama orang perseorangan sesudah \u201ca.n.\u201d/\u201catas nama\u201d "
                   "(pemilik atau debitur; UU 27/2022 Pelindungan Data Pribadi)",
}
#: The lot facts a post is made from, as the change list names them.
FACT_LABELS = {
    "title": "Judul",
    "limit_value": "Nilai limit",
    "deposit": "Uang jaminan",
    "bid_increment": "Kelipatan penawaran",
    "starts_at": "Mulai lelang",
    "ends_at": "Penawaran ditutup",
    "deposit_deadline": "Batas setor jaminan",
    "location": "Lokasi",
    "photos": "Foto",
    "lots": "Lot dalam rangkuman",
}
LINT_LEVELS = {"block": "BLOKIR", "warn": "awas"}
#: A lot that lists again an object that did not sell (``outcomes.relisted_from``): the review
#: page and the captions say it in these words.
RELISTED = "dilelang ulang"
#: The image and video designs (``templates/*.toml``), as the review page names them.
DESIGNS = {"feed": "Feed 4:5", "square": "Persegi 1:1", "story": "Story 9:16",
           "carousel": "Carousel", "urgent": "Mendesak", "digest": "Rangkuman pekanan",
           "reel": "Video reel", "clip": "Video klip"}


def _word(words: Mapping[str, str], key: str | None) -> str:
    return words.get(key or "", key or "-")


def design(name: str | None) -> str:
    """A design's name as staff read it (an office's own design keeps its file name)."""
    return _word(DESIGNS, name)


def relisted(previous_lot: str | None = None) -> str:
    """:data:`RELISTED` on a line of its own (``Dilelang ulang``); with the older lot's id for
    staff: ``Dilelang ulang — lot sebelumnya 1a2b3c4d``."""
    word = RELISTED[:1].upper() + RELISTED[1:]
    return f"{word} — lot sebelumnya {previous_lot}" if previous_lot else word


def post_status(status: str | None) -> str:
    return _word(POST_STATUSES, status)


def post_kind(kind: str | None) -> str:
    return _word(POST_KINDS, kind)


def delivery_status(status: str | None) -> str:
    return _word(DELIVERY_STATUSES, status)


def lot_status(status: str | None) -> str:
    return _word(LOT_STATUSES, status)


def role(name: str | None) -> str:
    return _word(ROLES, name)


def event_action(action: str | None) -> str:
    return _word(EVENT_ACTIONS, action or "transition")


def redaction_kind(kind: str | None) -> str:
    return _word(REDACTION_KINDS, kind)


def redaction_why(kind: str | None) -> str:
    return REDACTION_WHY.get(kind or "", "data pribadi")


def lint_level(level: str | None) -> str:
    return _word(LINT_LEVELS, level)


def change_label(change: Change) -> str:
    """The label of one entry of a post's change list (stored with it; older rows without
    one get the fact's name)."""
    return change.label or _word(FACT_LABELS, change.field)


def change_lines(changes: Iterable[Change]) -> list[tuple[str, str, str]]:
    """A post's change list as ``(label, before, after)``: what the review page and
    ``promo queue show`` both print."""
    return [(change_label(c), c.old or "-", c.new or "-") for c in changes]


def lint_summary(findings: Iterable[Mapping[str, Any]]) -> str:
    """``"ok"``, or how many blocking findings and warnings (``"1 blokir, 2 peringatan"``)."""
    levels = [f.get("level") for f in findings]
    if not levels:
        return "ok"
    blocks = sum(1 for lv in levels if lv == "block")
    parts = []
    if blocks:
        parts.append(f"{blocks} blokir")
    if len(levels) - blocks:
        parts.append(f"{len(levels) - blocks} peringatan")
    return ", ".join(parts)


def post_title(post: Post) -> str:
    """A post's title as listed: the lot's title, or the digest's week and size."""
    if post.kind == "digest":
        return f"Rangkuman {post.facts.get('week', '')} ({len(post.lot_ids)} lot)"
    return str(post.facts.get("title") or ", ".join(post.lot_ids))


# --- run summaries -----------------------------------------------------------------------------

RUN_KINDS = {"run": "Run", "scrape": "Pengumpulan", "publish": "Publikasi",
             "digest": "Rangkuman pekanan", "reminders": "Pengingat H-1"}
RUN_STATUSES = {"ok": "selesai", "partial": "selesai sebagian", "failed": "gagal",
                "running": "berjalan"}


def _collect_part(c: Mapping[str, int]) -> str:
    return (f"{c.get('offices', 0)} kantor, {c.get('pages', 0)} halaman; "
            f"lot baru {c.get('lots_new', 0)}, berubah {c.get('lots_changed', 0)}, "
            f"tetap {c.get('lots_unchanged', 0)}, ditarik {c.get('lots_withdrawn', 0)}, "
            f"berakhir {c.get('lots_ended', 0)}, dilewati {c.get('lots_skipped', 0)}; "
            f"foto diunduh {c.get('photos_downloaded', 0)}, rusak {c.get('photos_bad', 0)}, "
            f"ditolak {c.get('photos_refused', 0)}")


def _render_part(c: Mapping[str, int]) -> str:
    return f"gambar dibuat {c.get('rendered', 0)}, tetap {c.get('unchanged', 0)}"


def _queue_part(c: Mapping[str, int]) -> str:
    return (f"unggahan baru {c.get('queued', 0)}, kedaluwarsa {c.get('posts_expired', 0)}, "
            f"menunggu tinjauan {c.get('pending', 0)}")


def _jobs_part(c: Mapping[str, int]) -> str:
    return f"unggahan baru {c.get('queued', 0)}, sudah ada {c.get('existing', 0)}"


def _publish_part(c: Mapping[str, int]) -> str:
    text = (f"terkirim {c.get('sent', 0)}, gagal {c.get('failed', 0)}, "
            f"belum pasti {c.get('unconfirmed', 0)}, menunggu {c.get('waiting', 0)}")
    return text + (f", kedaluwarsa {c['expired']}" if c.get("expired") else "")


_STAGE_PARTS = {"collect": _collect_part, "render": _render_part, "queue": _queue_part,
                "digest": _jobs_part, "reminders": _jobs_part, "publish": _publish_part}


def run_line(summary: RunSummary) -> str:
    """The one line that reports a run, whatever its kind (``promo run``, ``scrape``,
    ``publish``, the daemon's jobs): ``Run #12 selesai (3.1 dtk): …; galat 0``."""
    head = (f"{RUN_KINDS.get(summary.kind, summary.kind)}"
            + (f" #{summary.run_id}" if summary.run_id is not None else "")
            + f" {RUN_STATUSES.get(summary.status, summary.status)}"
            + f" ({summary.duration_s:.1f} dtk)")
    from promo_pipeline import formats  # Babel: not needed for the word tables

    parts = []
    lot = summary.lot
    if lot is not None:
        c = summary.counts.get("collect", {})
        state = "baru" if c.get("lots_new") else "berubah" if c.get("lots_changed") else \
            "tidak berubah"
        parts.append(f"lot {lot.id} ({formats.shorten(lot.title, 60)}) {state}, berakhir "
                     f"{formats.datetime_medium(lot.ends_at, summary.timezone or 'Asia/Jakarta')}")
        parts.append(f"foto diunduh {c.get('photos_downloaded', 0)}, "
                     f"rusak {c.get('photos_bad', 0)}")
    for stage, counts in summary.counts.items():
        if stage == "collect" and lot is not None:
            continue
        part = _STAGE_PARTS.get(stage)
        if part is not None:
            parts.append(part(counts))
    if lot is not None:
        parts.append(f"unggahan #{summary.post_id}" if summary.post_id else "tanpa unggahan")
    parts.append(f"galat {len(summary.errors)}")
    return f"{head}: {'; '.join(parts)}"
