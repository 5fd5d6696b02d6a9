"""Signing in and out of the review page (throttled; a fresh session at every login)."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import flash, g, redirect, render_template, request, session, url_for

from promo_pipeline import accounts, clock
from promo_pipeline.review.app import _local_next, cfg_of, csrf_token, get_db
from promo_pipeline.review.blueprint import bp

logger = logging.getLogger(__name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    cfg = cfg_of()
    next_url = _local_next(request.values.get("next"))
    if g.user and request.method == "GET":
        return redirect(next_url or url_for("review.queue"), code=303)
    if request.method == "GET":
        csrf_token()
        return render_template("login.html", next=next_url, name="",
                               no_accounts=accounts.count_users(get_db()) == 0)
    db = get_db()
    name = (request.form.get("name") or "").strip()[:80]
    password = request.form.get("password") or ""
    client = request.remote_addr or "-"
    until = accounts.locked_until(db, name, client)
    if until is None and name:
        user = accounts.verify(db, name, password)
        if user is not None:
            accounts.clear_failures(db, name, client)
            # A fresh session: nothing an attacker planted before login survives it.
            old_sid = session.get("sid")
            session.clear()
            accounts.end_session(db, old_sid)
            session["sid"] = accounts.create_session(
                db, user.name, hours=cfg.review.session_hours,
                client=f"{client} {request.user_agent.string[:150]}")
            session["csrf"] = secrets.token_urlsafe(32)
            session.permanent = True
            logger.info("review: %s logged in from %s", user.name, client)
            return redirect(next_url or url_for("review.queue"), code=303)
        until = accounts.record_failure(db, name, client,
                                        max_failures=cfg.review.max_login_failures,
                                        lockout_minutes=cfg.review.lockout_minutes)
    if until is not None:
        minutes = max(1, round((until - clock.now()).total_seconds() / 60))
        flash(f"Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {minutes} menit.",
              "error")
        status = 429
    else:
        flash("Nama atau kata sandi salah.", "error")
        status = 401
    return render_template("login.html", next=next_url, name=name, no_accounts=False), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    accounts.end_session(get_db(), session.get("sid"))
    session.clear()
    flash("Anda telah keluar.", "info")
    return redirect(url_for("review.login"), code=303)
