"""Signing in and out of the review page: a fresh session at every login; failed logins back
off per address and per account (the rules are :mod:`promo_pipeline.accounts`'); the client's
address is the trusted proxy's ``X-Forwarded-For`` (:func:`.app.client_address`)."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import flash, g, redirect, render_template, request, session, url_for

from promo_pipeline import accounts, clock
from promo_pipeline.review.app import _local_next, cfg_of, client_address, csrf_token, get_db
from promo_pipeline.review.blueprint import MAX_NAME, MAX_PASSWORD, bp, form_text

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
    name = form_text("name", MAX_NAME, "Nama akun").strip()
    password = form_text("password", MAX_PASSWORD, "Kata sandi")
    client = client_address()
    wait = accounts.login_wait(db, name, client)
    if wait is None and name:
        user = accounts.verify(db, name, password)
        if user is not None:
            accounts.record_success(db, user.name, client)
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
        accounts.record_failure(db, name, client, max_failures=cfg.review.max_login_failures,
                                lockout_minutes=cfg.review.lockout_minutes)
    if wait is not None:
        flash(_wait_text(wait), "error")
        status = 429
    else:
        flash("Nama atau kata sandi salah.", "error")
        status = 401
    resp = render_template("login.html", next=next_url, name=name, no_accounts=False)
    headers = {"Retry-After": str(wait.seconds(clock.now()))} if wait is not None else {}
    return resp, status, headers


def _wait_text(wait: accounts.LoginWait) -> str:
    seconds = wait.seconds(clock.now())
    later = (f"{seconds} detik" if seconds < 90 else f"{round(seconds / 60)} menit")
    where = ("dari alamat ini" if wait.scope == accounts.ADDRESS else "untuk akun ini")
    return (f"Terlalu banyak percobaan masuk yang gagal {where}. Kata sandi belum diperiksa; "
            f"coba lagi dalam {later}.")


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    accounts.end_session(get_db(), session.get("sid"))
    session.clear()
    flash("Anda telah keluar.", "info")
    return redirect(url_for("review.login"), code=303)
