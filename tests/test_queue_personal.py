"""Personal data removed from a post (promo_pipeline.queue.personal) and the audited restore
(queue.restore_redaction, ``promo queue restore``): issue 10, item 4."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from queue_fixtures import OFFICE_ID, make_cfg, make_lot

from promo_pipeline import accounts, database
from promo_pipeline import queue as q
from promo_pipeline.cli import cli
from promo_pipeline.errors import NotFoundError, TransitionError, UsageError
from promo_pipeline.lots import get_lots, lot_to_row
from promo_pipeline.titles import Redaction

#: A real-style title with an owner's name and a seized phone's SIM number (both removed), a
#: licence plate (kept: it identifies the object).
TITLE = ("1 (satu) unit Sepeda Motor Honda Beat tahun 2018, Nomor Polisi EA 4321 AB, STNK a.n. "
         "YOHANES LATUHARHARY dan 1 unit HP Samsung dengan provider XL nomor 0821 9876 5432 "
         "di Kota Bima")
NAME = Redaction("person_name", "YOHANES LATUHARHARY")
PHONE = Redaction("phone", "0821 9876 5432")


@pytest.fixture
def cfg(tmp_path):
    return make_cfg(tmp_path)


@pytest.fixture
def db(cfg):
    opened = database.connect(cfg.database_path)
    yield opened
    opened.conn.close()


def queued(db, cfg, lot_id="pd-1", title=TITLE):
    lot = make_lot(lot_id, title=title, category=None)
    db["lots"].upsert(lot_to_row(lot), pk="id")
    post_id, created = q.sync_lot_post(db, cfg, lot, [cfg.output_dir / "lots" / "feed.jpg"])
    assert created
    return post_id


def codes(post, level=None):
    return {f["code"] for f in post.lint if level is None or f["level"] == level}


def test_removed_items_list_what_the_title_reading_took_out(db, cfg) -> None:
    pid = queued(db, cfg)
    post = q.get_post(db, pid)
    items = q.removed_items(db, cfg, post, get_lots(db, post.lot_ids))
    assert [(i.kind, i.text, i.restored) for i in items] == [
        ("person_name", "YOHANES LATUHARHARY", None), ("phone", "0821 9876 5432", None)]
    assert {i.lot_id for i in items} == {"pd-1"}
    # Kept out of every caption; the plate stays.
    for text in post.captions.values():
        assert "YOHANES" not in text.upper() and "98765432" not in text.replace(" ", "")
    assert "EA 4321 AB" in post.captions["instagram"]
    assert q.restored_redactions(db, pid) == ()


def test_restore_is_audited_and_lets_the_text_through_the_lint_with_a_warning(db, cfg) -> None:
    pid = queued(db, cfg)
    caption = q.get_post(db, pid).captions["instagram"]
    typed = caption + "\nPemilik: Yohanes Latuharhary, HP 0821-9876-5432"
    post = q.edit_caption(db, cfg, pid, "instagram", typed, actor="ani")
    assert "personal_redacted" in codes(post, "block") and post.blocked
    blocked = [f["message"] for f in post.lint if f["code"] == "personal_redacted"]
    assert len(blocked) == 2 and any("nama orang" in m for m in blocked)

    post = q.restore_redaction(db, cfg, pid, text="Yohanes  Latuharhary", actor="ani",
                               reason="  pemilik   meminta namanya dicantumkan ")
    # The restored name no longer blocks but is still flagged as personal data, on every
    # channel that carries it; the phone still blocks.
    still = [f["message"] for f in post.lint if f["code"] == "personal_redacted"]
    assert len(still) == 1 and "0821 9876 5432" in still[0] and post.blocked
    flagged = [f for f in post.lint if f["code"] == "personal_restored"]
    assert [(f["channel"], f["level"]) for f in flagged] == [("instagram", "warn")]
    assert "YOHANES LATUHARHARY" in flagged[0]["message"] and "dipulihkan" in flagged[0]["message"]
    assert "personal_phone" in codes(post, "warn")
    assert post.captions["instagram"] == typed          # nothing was put in or taken out
    ev = q.events(db, post_id=pid, limit=1)[0]
    assert (ev.actor, ev.action, ev.from_status, ev.to_status) == \
        ("ani", "restore", "pending", "pending")
    assert ev.detail == {"kind": "person_name", "text": "YOHANES LATUHARHARY"}
    assert ev.reason == "data pribadi dipulihkan: pemilik meminta namanya dicantumkan"
    assert q.restored_redactions(db, pid) == (NAME,)

    post = q.restore_redaction(db, cfg, pid, text="0821-9876-5432", actor="budi",
                               reason="nomor kantor cabang penjual")
    assert not post.blocked and "personal_redacted" not in codes(post)
    assert len([f for f in post.lint if f["code"] == "personal_restored"]) == 2
    assert q.restored_redactions(db, pid) == (NAME, PHONE)
    # Again: nothing new recorded. A later edit keeps both restores.
    before = len(q.events(db, post_id=pid))
    q.restore_redaction(db, cfg, pid, text=NAME.text, actor="ani", reason="lagi")
    assert len(q.events(db, post_id=pid)) == before
    post = q.edit_caption(db, cfg, pid, "instagram", typed + "\nTerima kasih.", actor="ani")
    assert not post.blocked
    items = q.removed_items(db, cfg, post, get_lots(db, post.lot_ids))
    assert [(i.text, i.restored.actor if i.restored else None) for i in items] == \
        [(NAME.text, "ani"), (PHONE.text, "budi")]


def test_restoring_an_approved_post_keeps_its_approval(db, cfg) -> None:
    """What goes out does not change (the captions stay), so the approval stands."""
    pid = queued(db, cfg)
    q.approve(db, pid, actor="ani")
    post = q.restore_redaction(db, cfg, pid, text=NAME.text, actor="budi", reason="diminta")
    assert (post.status, post.approved_by) == ("approved", "ani")
    assert post.edited_by is None


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"text": NAME.text, "reason": "  "}, UsageError, "alasan pemulihan"),
    ({"text": "BUDI SANTOSO", "reason": "x"}, NotFoundError, "bukan data pribadi yang dihapus"),
    ({"text": "EA 4321 AB", "reason": "x"}, NotFoundError, "YOHANES LATUHARHARY"),
    ({"text": NAME.text, "reason": "x", "kind": "phone"}, NotFoundError, "bukan data pribadi"),
    ({"text": NAME.text, "reason": "x", "kind": "alamat"}, UsageError, "jenis data pribadi"),
    ({"text": NAME.text, "reason": "x", "actor": " "}, TransitionError, "nama peninjau"),
])
def test_restore_is_refused_without_a_reason_or_for_a_text_never_removed(
        db, cfg, kwargs, error, words) -> None:
    pid = queued(db, cfg)
    before = q.get_post(db, pid)
    with pytest.raises(error, match=words):
        q.restore_redaction(db, cfg, pid, **{"actor": "ani", **kwargs})
    assert q.get_post(db, pid) == before and q.restored_redactions(db, pid) == ()
    assert [e.action for e in q.events(db, post_id=pid)] == ["create"]


@pytest.mark.parametrize("status", ["published", "rejected", "expired", "withdrawn",
                                    "outdated", "unconfirmed"])
def test_restore_is_refused_once_the_post_cannot_change(db, cfg, status) -> None:
    pid = queued(db, cfg)
    db["posts"].update(pid, {"status": status})       # set-up only
    with pytest.raises(TransitionError, match="tidak dapat dipulihkan karena statusnya"):
        q.restore_redaction(db, cfg, pid, text=NAME.text, actor="ani", reason="x")
    assert q.restored_redactions(db, pid) == ()


def test_a_post_without_personal_data_has_nothing_to_restore(db, cfg) -> None:
    pid = queued(db, cfg, lot_id="plain", title="Sebidang tanah SHM luas 210 m2 di Kota Bima")
    with pytest.raises(NotFoundError, match="yang dihapus: tidak ada"):
        q.restore_redaction(db, cfg, pid, text=NAME.text, actor="ani", reason="x")


# --- CLI -----------------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path):
    (tmp_path / "config.toml").write_text(
        f'[[offices]]\nid = "{OFFICE_ID}"\nname = "KPKNL Bima"\ntimezone = "Asia/Makassar"\n'
        '[brand]\ncontact = "WA 0812-3456-7890"\n', encoding="utf-8")
    cfg = make_cfg(tmp_path)
    opened = database.connect(cfg.database_path)
    pid = queued(opened, cfg)
    accounts.add_user(opened, "ani", "kata-sandi-uji")
    accounts.add_user(opened, "luar", "kata-sandi-uji", offices=["kantor-lain"])
    opened.conn.close()
    return tmp_path, pid


def run(folder, *args):
    return CliRunner().invoke(cli, ["--config", str(folder / "config.toml"), *args],
                              env={"LOGNAME": "ani"})


def test_cli_shows_removed_data_and_restores_it_as_a_named_account(project) -> None:
    folder, pid = project
    shown = run(folder, "queue", "show", str(pid))
    assert shown.exit_code == 0, shown.output
    assert "Data pribadi yang dihapus" in shown.output
    assert "nama orang: YOHANES LATUHARHARY" in shown.output
    assert "nomor telepon: 0821 9876 5432" in shown.output
    args = ["queue", "restore", str(pid), "--text", "YOHANES LATUHARHARY",
            "--reason", "pemilik setuju"]
    # No --as, an unknown account, an account of another office: exit 2, nothing restored.
    result = run(folder, *args)
    assert result.exit_code == 2 and "--as NAMA" in result.output
    assert run(folder, *args, "--as", "nobody").exit_code == 2
    result = run(folder, *args, "--as", "luar")
    assert result.exit_code == 2 and "tidak berwenang" in result.output
    # No reason: click refuses it; a text never removed: one line, exit 1.
    assert run(folder, *args[:5], "--as", "ani").exit_code == 2
    result = run(folder, "queue", "restore", str(pid), "--text", "BUDI", "--reason", "x",
                 "--as", "ani")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "bukan data pribadi yang dihapus" in result.output
    history = json.loads(run(folder, "queue", "history", "--json").output)
    assert "restore" not in {e["action"] for e in history}
    assert any(e["action"] == "refused" and e["actor"] == "luar" for e in history)

    result = run(folder, *args, "--as", "ani")
    assert result.exit_code == 0, result.output
    assert "dipulihkan oleh ani" in result.output
    history = json.loads(run(folder, "queue", "history", "--post", str(pid), "--json").output)
    assert (history[0]["action"], history[0]["actor"], history[0]["detail"]) == \
        ("restore", "ani", {"kind": "person_name", "text": "YOHANES LATUHARHARY"})
    shown = run(folder, "queue", "show", str(pid))
    assert "YOHANES LATUHARHARY — dipulihkan oleh ani" in shown.output
    assert "data pribadi dipulihkan" in run(folder, "queue", "history").output
