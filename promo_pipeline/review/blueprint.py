"""The review page's blueprint and what its route modules share: template helpers (the
presenter's words, capitalised for badges and tabs), the signed-in reviewer, loading a post.

Settings read: ``brand``/``offices[].brand`` (the header, :mod:`.branding`),
``offices[].timezone`` (times shown in the office zone).

The routes live in modules of one area each, all on this one blueprint ``review``:
:mod:`.login`, :mod:`.pages` (the queue and a post), :mod:`.actions` (what a reviewer does to
a post), :mod:`.users` (history and accounts), :mod:`.media` (images and thumbnails); :mod:`.jobs`
makes a video design in the background. Every
handler is thin: it reads the form, calls the library (:mod:`promo_pipeline.queue`,
:mod:`promo_pipeline.accounts`, the publisher) and renders or redirects with a flash message.
Expected failures (:class:`~promo_pipeline.errors.PromoError`) become a flash message, never a
traceback.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, abort, g, redirect, request, url_for

from promo_pipeline import formats, present
from promo_pipeline import queue as q
from promo_pipeline.config import Config
from promo_pipeline.errors import NotFoundError, OfficeScopeError
from promo_pipeline.publish import channels as registry
from promo_pipeline.review.app import FieldTooLong, cfg_of, get_db

bp = Blueprint("review", __name__)

#: Bounds of the short form fields (characters): a reason or note, an account name, a password.
MAX_REASON = 1000
MAX_NAME = 80
MAX_PASSWORD = 1024


def form_text(field: str, limit: int, label: str) -> str:
    """A form field's text; longer than *limit* characters is refused with 413 and an
    Indonesian message naming the field (nothing is cut silently, nothing is saved)."""
    value = request.form.get(field) or ""
    if len(value) > limit:
        raise FieldTooLong(
            f"{label} terlalu panjang: paling banyak {_thousands(limit)} karakter, yang "
            f"dikirim {_thousands(len(value))} karakter. Tidak ada yang disimpan.")
    return value


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def max_caption_length() -> int:
    """The longest caption the page accepts: the largest channel limit plus a margin (an
    over-long caption is still shown and linted as over the limit, up to this bound)."""
    return max(registry.caption_limit(ch).max_length for ch in registry.captioned()) + 4_000


#: Post routes that send a file: refused with 404 (and recorded), as the media routes do.
FILE_ENDPOINTS = frozenset({"review.download_zip"})


@bp.before_request
def _office_scope() -> None:
    """A post outside the signed-in account's offices is answered 403 (a file of it 404); an
    action on it, or a file fetched, is recorded in its history (the rule:
    :meth:`promo_pipeline.accounts.User.may_review`)."""
    post_id = (request.view_args or {}).get("post_id")
    user = g.get("user")
    if post_id is None or user is None or user.every_office:
        return
    post = q.find_post(get_db(), post_id)
    if post is None or user.may_review(post.office_id):
        return
    is_file = request.endpoint in FILE_ENDPOINTS
    if request.method == "POST" or is_file:
        action = (request.endpoint or "").rpartition(".")[2]
        try:
            q.check_office(get_db(), post_id, user, action=action)
        except OfficeScopeError:
            pass
    abort(404 if is_file else 403)  # a file is answered like a missing one (see .media)


def scope() -> tuple[str, ...] | None:
    """The offices whose posts the signed-in account sees (None: every office)."""
    user = g.get("user")
    return None if user is None or user.every_office else tuple(user.offices)


def capitalised(word: str) -> str:
    """A presenter word as a badge or tab shows it: first letter capitalised."""
    return word[:1].upper() + word[1:]


def channel_label(channel: str) -> str:
    return registry.label(channel)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        status_label=lambda s: capitalised(present.post_status(s)),
        delivery_label=lambda s: capitalised(present.delivery_status(s)),
        kind_label=lambda k: capitalised(present.post_kind(k)),
        channel_label=channel_label,
        role_label=lambda r: capitalised(present.role(r)),
        action_label=present.event_action,
        relisted_label=present.relisted,
        STATUSES=q.STATUSES,
    )
    app.jinja_env.globals["design_label"] = present.design
    app.jinja_env.filters["channel_label"] = channel_label
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["rupiah"] = lambda v: formats.rupiah(v) if v is not None else "—"

    @app.context_processor
    def _ctx() -> dict[str, Any]:
        from promo_pipeline.review.branding import header_brand

        # A post's page names its office in g.brand_office (its brand in the header).
        brand = header_brand(cfg_of(), g.get("user"), g.get("brand_office"))
        return {"user": g.get("user"), "brand": brand, "brand_name": brand.name,
                "is_admin": bool(g.get("user") and g.user.is_admin)}


def when(value: str | datetime | None, tz: str | None = None) -> str:
    """An ISO timestamp as staff read it, in the office zone with its label."""
    if not value:
        return "—"
    try:
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if when.tzinfo is None:
        return str(value)
    return formats.datetime_medium(when, tz or cfg_of().default_timezone)


def user_name() -> str:
    """The signed-in account a decision is recorded under: the same named-approval rule as
    the CLI's ``--as`` (an account removed since login is refused)."""
    from promo_pipeline.accounts import require_reviewer

    return require_reviewer(get_db(), g.user.name if g.get("user") else None).name


def require_admin() -> None:
    if not g.user or not g.user.is_admin:
        abort(403)


def back(post_id: int, anchor: str = "") -> Any:
    return redirect(url_for("review.post", post_id=post_id) + anchor, code=303)


def load_post(post_id: int) -> q.Post:
    try:
        return q.get_post(get_db(), post_id)
    except NotFoundError:
        abort(404)


def designs() -> list[str]:
    """Names of the designs a reviewer may pick for one lot (the weekly digest is not one)."""
    return designs_of(cfg_of())


def designs_of(cfg: Config) -> list[str]:
    """:func:`designs` outside a request (a background render)."""
    from promo_pipeline import render  # lazily: Pillow and fonts only when a post page needs it

    return [name for name in render.available_designs(cfg) if name != "digest"]


def open_deliveries(post_id: int) -> list[dict[str, Any]]:
    """Deliveries that need a human: ``unconfirmed`` (may have gone out) and ``failed``."""
    from promo_pipeline.publish import deliveries_for_post

    return [d for d in deliveries_for_post(get_db(), post_id)
            if d["status"] in ("unconfirmed", "failed")]


def last_image_change(post_id: int) -> q.PostEvent | None:
    """The most recent change of this post's images (what "Urungkan" undoes)."""
    return next((e for e in q.events(get_db(), post_id=post_id, limit=200)
                 if e.action == "images" and isinstance(e.detail.get("old"), list)), None)
