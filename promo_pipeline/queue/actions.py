"""What reviewers do to a post: approve, reject, move, edit a caption, pick other images,
restore a text removed as personal data.

Settings read: ``captions.channels`` and what the caption lint reads (``brand.*``,
``offices[].timezone``, ``source.site_base``), ``storage.output_dir``.

Every action runs in one write transaction with its audit row (who, when, from, to, why). An
approved post whose caption or images change goes back to pending: what the reviewer approved is
no longer what would go out. The CLI and the review page both call these functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlite_utils import Database

from promo_pipeline import captions as cap
from promo_pipeline import clock
from promo_pipeline.accounts import User
from promo_pipeline.config import Config
from promo_pipeline.errors import NotFoundError, TransitionError, UsageError
from promo_pipeline.lots import get_lots
from promo_pipeline.present import post_status
from promo_pipeline.queue import posts
from promo_pipeline.queue.create import stored_image
from promo_pipeline.queue.personal import RESTORE, lot_redactions, restored_redactions
from promo_pipeline.queue.records import Post
from promo_pipeline.queue.states import (
    APPROVED,
    DIGEST,
    EDITABLE,
    PENDING,
    REJECTED,
    check_status,
    check_transition,
)
from promo_pipeline.store import write_tx
from promo_pipeline.titles import KINDS as REDACTION_KINDS
from promo_pipeline.titles import Redaction


def reviewer(actor: str | None) -> str:
    """A reviewer's name as recorded (whitespace tidied, at most 100 characters)."""
    name = " ".join((actor or "").split())
    if not name:
        raise TransitionError("nama peninjau wajib diisi")
    return name[:100]


def check_office(db: Database, post_id: int, account: User, *, action: str) -> Post:
    """The post, when *account* may act on it (:meth:`User.may_review`); otherwise the attempt
    is recorded in the post's history (action ``refused``) and
    :class:`~promo_pipeline.errors.OfficeScopeError` raised (exit 2, 403 on the page)."""
    post = posts.get_post(db, post_id)
    if account.may_review(post.office_id):
        return post
    with write_tx(db):
        posts.add_event(db, post_id, actor=reviewer(account.name), from_status=post.status,
                        to_status=None, reason=f"tindakan {action}, kantor {post.office_id or '-'}",
                        action="refused",
                        detail={"attempted": action, "office_id": post.office_id})
    raise account.refuse(post.office_id, post_id)


def transition(db: Database, post_id: int, to_status: str, *, actor: str,
               reason: str | None = None) -> Post:
    """Move a post to *to_status* if the state table allows it (plain-words
    :class:`TransitionError` otherwise). Moving to ``approved`` goes through the same checks as
    :func:`approve`. Returns the updated post."""
    check_status(to_status)
    if to_status == APPROVED:
        return approve(db, post_id, actor=actor, reason=reason)
    who = reviewer(actor)
    reason = " ".join((reason or "").split()) or None
    with write_tx(db):
        post = posts.get_post(db, post_id)
        posts.move(db, post_id, post.status, to_status, actor=who, reason=reason)
    return posts.get_post(db, post_id)


def approve(db: Database, post_id: int, *, actor: str, reason: str | None = None) -> Post:
    """Approve a post (from pending, failed or unconfirmed). Refused while a blocking lint
    finding exists (:attr:`Post.blocked`) and when its lots can no longer be promoted."""
    who = reviewer(actor)
    now = clock.now()
    with write_tx(db):
        post = posts.get_post(db, post_id)
        check_transition(post_id, post.status, APPROVED)
        if post.blocked:
            raise TransitionError(f"unggahan #{post_id} belum bisa disetujui: "
                                  f"{post.blocking_reason()}")
        # A digest may go out while one of its lots can still be joined.
        closed = [lot.closed_reason(now) for lot in get_lots(db, post.lot_ids)]
        if closed and (all(closed) if post.kind == DIGEST else closed[0]):
            raise TransitionError(f"unggahan #{post_id} tidak dapat disetujui: "
                                  f"{next(c for c in closed if c)}")
        posts.move(db, post_id, post.status, APPROVED, actor=who, reason=reason,
                   approved_by=who, approved_at=clock.iso(now))
    return posts.get_post(db, post_id)


def reject(db: Database, post_id: int, *, actor: str, reason: str) -> Post:
    """Reject a pending post; the reason is required and stored."""
    text = " ".join((reason or "").split())
    if not text:
        raise TransitionError("alasan penolakan wajib diisi")
    return transition(db, post_id, REJECTED, actor=actor, reason=text)


def _back_to_review(db: Database, post: Post, who: str, why: str) -> None:
    if post.status == APPROVED:
        posts.move(db, post.id, APPROVED, PENDING, actor=who,
                   reason=f"{why} setelah disetujui; perlu disetujui ulang")


def edit_caption(db: Database, cfg: Config, post_id: int, channel: str, text: str, *,
                 actor: str) -> Post:
    """Replace one channel's caption, re-run the lint over the post, record the edit.

    Allowed while the post is pending, approved or failed. The lint runs before the write
    transaction opens (a long caption must not hold the database); when the post changed
    meanwhile (another edit, a decision), it runs again on the new state.
    """
    who = reviewer(actor)
    new_text = cap.tidy(text or "")
    if not new_text:
        raise UsageError("keterangan tidak boleh kosong")
    for _attempt in range(3):
        post = posts.get_post(db, post_id)
        if channel not in post.captions and channel not in cfg.captions.channels:
            raise UsageError(f"kanal {channel!r} tidak ada di unggahan #{post_id} (pilihan: "
                             f"{', '.join(post.captions) or '-'})")
        _check_editable(post, "keterangan", "diubah")
        old_text = post.captions.get(channel, "")
        if old_text == new_text:
            return post
        lots = get_lots(db, post.lot_ids)
        if not lots:
            raise NotFoundError(f"lot unggahan #{post_id} tidak ada di basis data")
        texts = dict(post.captions, **{channel: new_text})
        restored = restored_redactions(db, post_id)
        findings = cap.lint_for(cfg, texts, lots=lots, kind=post.kind,
                                office_id=post.office_id, restored=restored)
        with write_tx(db):
            current = posts.get_post(db, post_id)
            if (current.updated_at != post.updated_at or current.captions != post.captions
                    or restored_redactions(db, post_id) != restored):
                continue  # changed while the lint ran: lint what is there now
            at = clock.iso()
            posts.update_content(db, post_id, at=at, captions=texts, lint=findings,
                                 blocking=cap.is_blocking(findings), actor=who)
            posts.add_event(db, post_id, actor=who, from_status=post.status,
                            to_status=post.status, reason=f"keterangan {channel} diubah",
                            action="edit", detail={"channel": channel, "old": old_text,
                                                   "new": new_text}, at=at)
            _back_to_review(db, post, who, "keterangan diubah")
        return posts.get_post(db, post_id)
    raise TransitionError(f"unggahan #{post_id} sedang diubah orang lain; muat ulang halaman "
                          "lalu coba lagi")


def restore_redaction(db: Database, cfg: Config, post_id: int, *, text: str, actor: str,
                      reason: str, kind: str | None = None) -> Post:
    """Restore one text the title reading removed from the post's lots as personal data: an
    explicit, audited act (a ``restore`` event: who, when, which text, why).

    *text* must be one of the removed texts (*kind* picks one when two kinds share a text); a
    reason is required. Allowed while the post may still change (:attr:`Post.editable`);
    published, rejected or closed posts are refused. Nothing is put back by itself: the
    captions and images stay as they are, and from then on the lint of this post no longer
    blocks that text when a reviewer writes it into a caption (its personal-data warning
    stays). Restoring a text already restored changes nothing.
    """
    who = reviewer(actor)
    why = " ".join((reason or "").split())
    if not why:
        raise UsageError("alasan pemulihan data pribadi wajib diisi")
    wanted = " ".join((text or "").split())
    if kind is not None and kind not in REDACTION_KINDS:
        raise UsageError(f"jenis data pribadi tidak dikenal: {kind!r} (pilihan: "
                         f"{', '.join(REDACTION_KINDS)})")
    post = posts.get_post(db, post_id)
    _check_editable(post, "data pribadi", "dipulihkan")
    lots = get_lots(db, post.lot_ids)
    removed = list(dict.fromkeys(r for lot in lots for r in lot_redactions(cfg, post, lot)))
    matches = [r for r in removed if _same_text(r, wanted) and kind in (None, r.kind)]
    if not matches:
        listed = "; ".join(f"\u201c{r.text}\u201d" for r in removed) or "tidak ada"
        raise NotFoundError(f"\u201c{wanted}\u201d bukan data pribadi yang dihapus dari "
                            f"unggahan #{post_id} (yang dihapus: {listed})")
    if len(matches) > 1:
        raise UsageError(f"\u201c{wanted}\u201d dihapus sebagai beberapa jenis data; sebutkan "
                         f"jenisnya ({', '.join(r.kind for r in matches)})")
    target: Redaction = matches[0]
    for _attempt in range(3):
        post = posts.get_post(db, post_id)
        _check_editable(post, "data pribadi", "dipulihkan")
        done = restored_redactions(db, post_id)
        if target in done:
            return post
        # The captions do not change, their lint does (a restored text no longer blocks);
        # linted before the write transaction, as an edit is.
        findings = cap.lint_for(cfg, post.captions, lots=lots, kind=post.kind,
                                office_id=post.office_id, restored=(*done, target))
        with write_tx(db):
            current = posts.get_post(db, post_id)
            if (current.updated_at != post.updated_at or current.captions != post.captions
                    or restored_redactions(db, post_id) != done):
                continue  # changed meanwhile: check and lint what is there now
            at = clock.iso()
            posts.add_event(db, post_id, actor=who, from_status=post.status,
                            to_status=post.status, reason=f"data pribadi dipulihkan: {why}",
                            action=RESTORE, detail={"kind": target.kind, "text": target.text},
                            at=at)
            posts.update_content(db, post_id, at=at, lint=findings,
                                 blocking=cap.is_blocking(findings))
        return posts.get_post(db, post_id)
    raise TransitionError(f"unggahan #{post_id} sedang diubah orang lain; muat ulang halaman "
                          "lalu coba lagi")


def _same_text(r: Redaction, text: str) -> bool:
    """*text* names removed item *r*: the same words in any case, or a number's same digits."""
    if r.kind in ("phone", "nik"):
        digits = "".join(ch for ch in text if ch.isdigit())
        return bool(digits) and digits == "".join(ch for ch in r.text if ch.isdigit())
    return r.text.casefold() == text.casefold()


def _check_editable(post: Post, what: str, verb: str) -> None:
    if post.status not in EDITABLE:
        raise TransitionError(f"{what} unggahan #{post.id} tidak dapat {verb} karena "
                              f"statusnya {post_status(post.status)}")


def set_images(db: Database, cfg: Config, post_id: int, images: Sequence[str | Path], *,
               actor: str, template: str | None = None,
               replaces: Sequence[str] | None = None) -> Post:
    """Replace a post's images (a reviewer added or replaced a design, or undid that). Paths
    are stored relative to ``storage.output_dir`` when they are inside it. With *replaces*, the
    change is refused when the post's images are no longer those (someone changed them)."""
    who = reviewer(actor)
    stored = tuple(stored_image(cfg.output_dir, p) for p in images)
    if not stored:
        raise UsageError("unggahan harus punya paling sedikit satu gambar")
    with write_tx(db):
        post = posts.get_post(db, post_id)
        if post.status not in EDITABLE:
            raise TransitionError(f"gambar unggahan #{post_id} tidak dapat diganti karena "
                                  f"statusnya {post_status(post.status)}")
        if replaces is not None and tuple(map(str, replaces)) != post.images:
            raise TransitionError(f"gambar unggahan #{post_id} baru saja diubah orang lain; "
                                  "muat ulang halaman lalu coba lagi")
        if post.images == stored and (template is None or template == post.template):
            return post
        at = clock.iso()
        posts.update_content(db, post_id, at=at, images=stored, template=template, actor=who)
        posts.add_event(db, post_id, actor=who, from_status=post.status,
                        to_status=post.status,
                        reason="gambar diganti" + (f" (desain {template})" if template else ""),
                        action="images", detail={"old": list(post.images), "new": list(stored),
                                                 "template": template}, at=at)
        _back_to_review(db, post, who, "gambar diganti")
    return posts.get_post(db, post_id)

