"""The audit history, the accounts page (admins only; the admin rules are
:mod:`promo_pipeline.accounts`') and every reviewer's own account page (their password)."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for

from promo_pipeline import accounts, present
from promo_pipeline import queue as q
from promo_pipeline.errors import AdminRuleError, NotFoundError, PromoError
from promo_pipeline.lots import get_lots
from promo_pipeline.review import view
from promo_pipeline.review.app import cfg_of, client_address, get_db
from promo_pipeline.review.blueprint import (
    MAX_NAME,
    MAX_PASSWORD,
    bp,
    capitalised,
    form_text,
    require_admin,
    user_name,
)

logger = logging.getLogger(__name__)


@bp.route("/history")
def history() -> Any:
    post_arg = request.args.get("post", "").strip().lstrip("#")
    actor = request.args.get("actor", "").strip()[:MAX_NAME] or None
    # ASCII digits only ("²".isdigit() is true), and small enough for SQLite.
    post_id = int(post_arg) if re.fullmatch(r"[0-9]{1,18}", post_arg) else None
    db = get_db()
    rows = q.events(db, post_id=post_id, actor=actor, limit=200)
    actors = [u.name for u in accounts.list_users(db)]
    # Each row names its post's lot (the title), not just the post number.
    posts = {pid: q.find_post(db, pid) for pid in dict.fromkeys(e.post_id for e in rows)}
    lots = {lot.id: lot for lot in get_lots(db, (p.lot_id for p in posts.values()
                                                  if p is not None and p.lot_id))}
    titles, codes = {}, {}
    for pid, p in posts.items():
        lot = lots.get(p.lot_id or "") if p is not None else None
        titles[pid] = lot.title if lot else (present.post_title(p) if p else "")
        codes[pid] = (lot.code or "") if lot else ""
    diffs = {e.id: view.caption_diff(str(e.detail.get("old") or ""),
                                     str(e.detail.get("new") or ""))
             for e in rows if e.action == "edit" and "new" in e.detail}
    return render_template("history.html", events=rows, post_id=post_id, actor=actor or "",
                           actors=[*actors, "system"], limit=200, titles=titles, codes=codes,
                           diffs=diffs)


@bp.route("/users", methods=["GET", "POST"])
def users() -> Any:
    require_admin()
    db = get_db()
    if request.method == "POST":
        name = form_text("name", MAX_NAME, "Nama akun")
        password = form_text("password", MAX_PASSWORD, "Kata sandi")
        if password != form_text("password2", MAX_PASSWORD, "Kata sandi"):
            flash("Kedua kata sandi tidak sama.", "error")
        else:
            try:
                accounts.add_user(db, name, password,
                                  role=form_text("role", MAX_NAME, "Peran") or accounts.REVIEWER)
            except PromoError as exc:
                flash(f"Akun tidak dibuat: {exc}", "error")
            else:
                flash(f"Akun {name.strip()} dibuat.", "success")
                logger.info("review: %s added account %s", user_name(), name.strip())
        return redirect(url_for("review.users"), code=303)
    return render_template("users.html", users=accounts.list_users(db), roles=accounts.ROLES,
                           min_password=accounts.MIN_PASSWORD_LENGTH)


@bp.route("/users/<name>/remove", methods=["POST"])
def remove_user(name: str) -> Any:
    require_admin()
    db = get_db()
    try:
        removed = accounts.remove_user(db, name, actor=user_name())
    except NotFoundError:
        abort(404)
    except PromoError as exc:
        flash(f"{capitalised(str(exc))}.", "error")
    else:
        flash(f"Akun {removed.name} dihapus.", "success")
        logger.info("review: %s removed account %s", user_name(), removed.name)
    return redirect(url_for("review.users"), code=303)


@bp.route("/users/<name>/update", methods=["POST"])
def update_user(name: str) -> Any:
    require_admin()
    db = get_db()
    target = accounts.get_user(db, name)
    if target is None:
        abort(404)
    role = form_text("role", MAX_NAME, "Peran") or None
    password = form_text("password", MAX_PASSWORD, "Kata sandi") or None
    if password is not None and password != form_text("password2", MAX_PASSWORD, "Kata sandi"):
        flash("Kedua kata sandi tidak sama.", "error")
        return redirect(url_for("review.users"), code=303)
    try:
        accounts.update_user(db, target.name, role=role, password=password)
    except AdminRuleError as exc:
        flash(f"{capitalised(str(exc))}.", "error")
    except PromoError as exc:
        flash(f"Akun tidak diubah: {exc}", "error")
    else:
        flash(f"Akun {target.name} diperbarui.", "success")
    return redirect(url_for("review.users"), code=303)


@bp.route("/akun", methods=["GET", "POST"])
def own_account() -> Any:
    """Any reviewer changes their own password (the current one is asked first). The other
    sessions of the account end; this browser gets a fresh session and stays logged in."""
    db = get_db()
    if request.method == "POST":
        current = form_text("current", MAX_PASSWORD, "Kata sandi sekarang")
        new = form_text("password", MAX_PASSWORD, "Kata sandi baru")
        again = form_text("password2", MAX_PASSWORD, "Kata sandi baru")
        if accounts.verify(db, user_name(), current) is None:
            flash("Kata sandi sekarang salah; kata sandi tidak diganti.", "error")
        elif new != again:
            flash("Kedua kata sandi baru tidak sama.", "error")
        else:
            try:
                accounts.update_user(db, user_name(), password=new)
            except PromoError as exc:
                flash(f"Kata sandi tidak diganti: {exc}", "error")
            else:
                session["sid"] = accounts.create_session(
                    db, user_name(), hours=cfg_of().review.session_hours,
                    client=f"{client_address()} {request.user_agent.string[:150]}")
                logger.info("review: %s changed their own password", user_name())
                flash("Kata sandi diganti. Sesi di perangkat lain telah diakhiri.", "success")
        return redirect(url_for("review.own_account"), code=303)
    return render_template("account.html", min_password=accounts.MIN_PASSWORD_LENGTH)
