"""The review queue (promo_pipeline.queue): posts, transitions, audit log, lot lifecycle, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path

import pytest
from click.testing import CliRunner
from queue_fixtures import OFFICE_ID, make_cfg, make_lot

from promo_pipeline import accounts, clock, database
from promo_pipeline import queue as q
from promo_pipeline.cli import cli
from promo_pipeline.errors import (
    NotFoundError,
    NotQueueableError,
    TransitionError,
    UsageError,
)
from promo_pipeline.lots import LOT_ENDED, LOT_WITHDRAWN, get_lot, lot_to_row

NOW = datetime.now(UTC)


@pytest.fixture
def cfg(tmp_path):
    return make_cfg(tmp_path)


@pytest.fixture
def db(cfg):
    opened = database.connect(cfg.database_path)
    yield opened
    opened.conn.close()


def save(db, lot):
    db["lots"].upsert(lot_to_row(lot), pk="id")
    return lot


def image(cfg, name="feed.jpg"):
    return cfg.output_dir / "lots" / name


def queued(db, cfg, lot=None, **changes):
    lot = save(db, lot or make_lot(**changes))
    post_id, created = q.sync_lot_post(db, cfg, lot, [image(cfg)])
    assert created
    return post_id, lot


def force_status(db, post_id, status):
    """Test set-up only: put a post in a state without going through the workflow."""
    db["posts"].update(post_id, {"status": status})


def event_rows(db, post_id):
    return list(db["post_events"].rows_where("post_id = ?", [post_id], order_by="id"))


# --- schema --------------------------------------------------------------------------------------


def test_migrations_add_columns_without_touching_the_first(db) -> None:
    cols = {c.name for c in db["posts"].columns}
    assert {"facts", "deadline_at", "dedupe_key", "captions", "lint"} <= cols
    assert {"action", "detail"} <= {c.name for c in db["post_events"].columns}
    assert [m["name"] for m in db["_sqlite_migrations"].rows_where("migration_set = 'queue'")] \
        == ["m001_posts", "m002_facts_deadline_event_action", "m003_who_did_what"]
    assert {"rejected_by", "rejected_at", "edited_by", "edited_at"} <= cols


# --- creating posts ------------------------------------------------------------------------------


def test_sync_creates_one_pending_post_with_captions_lint_and_images(db, cfg) -> None:
    post_id, lot = queued(db, cfg)
    post = q.get_post(db, post_id)
    assert post.status == q.PENDING and post.kind == "lot" and post.version == 1
    assert post.dedupe_key == f"lot:{lot.id}:{lot.content_hash()}"
    assert post.lot_ids == (lot.id,) and post.office_id == OFFICE_ID
    assert set(post.captions) == set(cfg.captions.channels)
    assert all(lot.url in text for text in post.captions.values())
    assert post.lint == () and post.blocking is False
    assert post.images == ("lots/feed.jpg",)            # relative to storage.output_dir
    assert post.facts["limit_value"] == lot.limit_value
    assert post.deadline_at == lot.deposit_deadline.astimezone(UTC).isoformat()
    (created,) = event_rows(db, post_id)
    assert (created["actor"], created["from_status"], created["to_status"], created["action"]) \
        == ("system", None, "pending", "create")


def test_running_twice_never_makes_a_second_post(db, cfg) -> None:
    post_id, lot = queued(db, cfg)
    assert q.sync_lot_post(db, cfg, lot, [image(cfg)]) == (post_id, False)
    assert db["posts"].count == 1 and len(event_rows(db, post_id)) == 1
    # Still no duplicate after a reviewer acted on it.
    q.reject(db, post_id, actor="budi", reason="foto buram")
    assert q.sync_lot_post(db, cfg, lot, [image(cfg)]) == (post_id, False)
    assert db["posts"].count == 1


def test_resync_refreshes_images_of_a_pending_post_only(db, cfg) -> None:
    post_id, lot = queued(db, cfg)
    assert q.sync_lot_post(db, cfg, lot, [image(cfg, "new.jpg")]) == (post_id, False)
    assert q.get_post(db, post_id).images == ("lots/new.jpg",)
    last = event_rows(db, post_id)[-1]
    assert (last["action"], last["actor"]) == ("images", "system")
    q.sync_lot_post(db, cfg, lot, [])                       # no images given: kept
    assert q.get_post(db, post_id).images == ("lots/new.jpg",)
    q.approve(db, post_id, actor="budi")                    # what was approved stays
    q.sync_lot_post(db, cfg, lot, [image(cfg, "newer.jpg")])
    post = q.get_post(db, post_id)
    assert post.images == ("lots/new.jpg",) and post.status == q.APPROVED


@pytest.mark.parametrize(("changes", "why"), [
    ({"status": LOT_ENDED}, "berakhir"),
    ({"status": LOT_WITHDRAWN}, "ditarik"),
    ({"deposit_deadline": NOW - timedelta(hours=1)}, "batas setor"),
    ({"ends_at": NOW - timedelta(minutes=1), "deposit_deadline": None}, "berakhir"),
])
def test_a_lot_that_cannot_be_joined_gets_no_post(db, cfg, changes, why) -> None:
    lot = save(db, make_lot(**changes))
    with pytest.raises(NotQueueableError, match=why):
        q.sync_lot_post(db, cfg, lot, [])
    assert db["posts"].count == 0


def test_changed_lot_outdates_earlier_posts_and_queues_a_new_version(db, cfg) -> None:
    first, lot = queued(db, cfg)
    q.approve(db, first, actor="budi")
    changed = save(db, replace(lot, limit_value=90_000_000,
                               deposit_deadline=lot.deposit_deadline + timedelta(days=1)))
    second, created = q.sync_lot_post(db, cfg, changed, [image(cfg, "v2.jpg")])
    assert created and second != first
    old, new = q.get_post(db, first), q.get_post(db, second)
    assert old.status == q.OUTDATED                   # even though it was approved
    assert f"#{second}" in old.reason
    assert new.version == 2 and new.previous_post_id == first
    by_field = {c.field: c for c in new.changes}
    assert set(by_field) == {"limit_value", "deposit_deadline"}
    assert (by_field["limit_value"].old, by_field["limit_value"].new) == \
        ("Rp98.500.000", "Rp90.000.000")
    assert by_field["deposit_deadline"].new.endswith("WITA")
    assert by_field["limit_value"].label == "Nilai limit"
    assert "Rp90.000.000" in new.captions["instagram"] and new.lint == ()
    last = event_rows(db, first)[-1]
    assert (last["from_status"], last["to_status"], last["actor"]) == \
        ("approved", "outdated", "system")


def test_published_and_rejected_posts_are_not_outdated(db, cfg) -> None:
    first, lot = queued(db, cfg)
    q.approve(db, first, actor="budi")
    q.transition(db, first, q.PUBLISHED, actor="publisher")
    second, _ = q.sync_lot_post(db, cfg, save(db, replace(lot, title="Judul baru")), [])
    q.reject(db, second, actor="budi", reason="judul salah")
    third, _ = q.sync_lot_post(db, cfg, save(db, replace(lot, title="Judul lain")), [])
    assert [q.get_post(db, i).status for i in (first, second, third)] == \
        [q.PUBLISHED, q.REJECTED, q.PENDING]
    assert q.get_post(db, third).version == 3


def test_a_lot_that_changes_back_gets_a_new_version_not_the_outdated_post(db, cfg) -> None:
    first, lot = queued(db, cfg)
    second, _ = q.sync_lot_post(db, cfg, save(db, replace(lot, deposit=20_000_000)), [])
    third, created = q.sync_lot_post(db, cfg, save(db, lot), [])
    assert created and third not in (first, second)
    assert q.get_post(db, third).version == 3
    assert q.get_post(db, second).status == q.OUTDATED
    assert q.sync_lot_post(db, cfg, lot, []) == (third, False)


def test_crash_right_after_queueing_leaves_the_post_committed(tmp_path, cfg) -> None:
    lot = make_lot()
    opened = database.connect(cfg.database_path)
    save(opened, lot)
    opened.conn.close()
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from queue_fixtures import make_cfg, make_lot\n"
        "from promo_pipeline import database, queue\nfrom promo_pipeline.lots import get_lot\n"
        "from pathlib import Path\n"
        "cfg = make_cfg(Path(sys.argv[2]))\n"
        "db = database.connect(cfg.database_path)\n"
        "queue.sync_lot_post(db, cfg, get_lot(db, sys.argv[3]), [])\n"
        "print('not reached')\n"
    )
    env = dict(os.environ, PROMO_CRASH_AT="after_post_queued")
    done = subprocess.run([sys.executable, "-c", script, str(Path(__file__).parent),
                           str(tmp_path), lot.id], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 137 and "not reached" not in done.stdout
    opened = database.connect(cfg.database_path)
    (row,) = opened["posts"].rows
    assert row["status"] == q.PENDING
    assert q.sync_lot_post(opened, cfg, get_lot(opened, lot.id), []) == \
        (row["id"], False)
    opened.conn.close()


# --- transitions ---------------------------------------------------------------------------------

ALLOWED = {(frm, to) for frm, targets in q.TRANSITIONS.items() for to in targets}


def test_transition_table_is_the_documented_one() -> None:
    assert q.TRANSITIONS[q.PENDING] == {q.APPROVED, q.REJECTED, q.EXPIRED, q.OUTDATED,
                                        q.WITHDRAWN}
    assert q.TRANSITIONS[q.APPROVED] == {q.PUBLISHED, q.FAILED, q.UNCONFIRMED, q.PENDING,
                                         q.EXPIRED, q.OUTDATED, q.WITHDRAWN}
    assert q.TRANSITIONS[q.FAILED] == {q.APPROVED, q.EXPIRED, q.OUTDATED, q.WITHDRAWN}
    assert q.TRANSITIONS[q.UNCONFIRMED] == {q.PUBLISHED, q.APPROVED}
    assert q.TRANSITIONS[q.REJECTED] == {q.PENDING}
    assert q.TERMINAL == {q.PUBLISHED, q.EXPIRED, q.OUTDATED, q.WITHDRAWN}
    assert set(q.TRANSITIONS) == set(q.STATUSES)


@pytest.mark.parametrize(("frm", "to"), sorted(product(q.STATUSES, q.STATUSES)))
def test_every_transition_is_allowed_or_refused_as_the_table_says(db, cfg, frm, to) -> None:
    post_id, _ = queued(db, cfg)
    force_status(db, post_id, frm)
    before = len(event_rows(db, post_id))
    if (frm, to) in ALLOWED:
        post = q.transition(db, post_id, to, actor="rina", reason="uji")
        assert post.status == to
        last = event_rows(db, post_id)[-1]
        assert (last["from_status"], last["to_status"], last["actor"], last["reason"]) == \
            (frm, to, "rina", "uji")
        assert last["at"] and post.updated_at == last["at"]
        if to == q.APPROVED:
            assert post.approved_by == "rina" and post.approved_at
        if to == q.PENDING:
            assert post.approved_by is None
    else:
        with pytest.raises(TransitionError) as err:
            q.transition(db, post_id, to, actor="rina")
        assert f"#{post_id}" in str(err.value)
        assert q.get_post(db, post_id).status == frm
        assert len(event_rows(db, post_id)) == before


def test_unknown_status_and_missing_actor_are_refused(db, cfg) -> None:
    post_id, _ = queued(db, cfg)
    with pytest.raises(TransitionError, match="tidak dikenal"):
        q.transition(db, post_id, "deleted", actor="rina")
    with pytest.raises(TransitionError, match="nama peninjau"):
        q.transition(db, post_id, q.REJECTED, actor="  ", reason="x")
    with pytest.raises(NotFoundError):
        q.transition(db, 999, q.REJECTED, actor="rina", reason="x")


def test_reject_needs_a_reason_and_stores_it(db, cfg) -> None:
    post_id, _ = queued(db, cfg)
    with pytest.raises(TransitionError, match="alasan"):
        q.reject(db, post_id, actor="budi", reason="   ")
    post = q.reject(db, post_id, actor="budi", reason="  foto   tidak sesuai ")
    assert post.status == q.REJECTED and post.reason == "foto tidak sesuai"
    assert event_rows(db, post_id)[-1]["reason"] == "foto tidak sesuai"
    assert post.rejected_by == "budi" and post.rejected_at == event_rows(db, post_id)[-1]["at"]
    reopened = q.transition(db, post_id, q.PENDING, actor="budi")
    assert reopened.status == q.PENDING and reopened.rejected_by is None


# --- approval rules ------------------------------------------------------------------------------


def test_approve_is_refused_while_a_blocking_finding_exists(db, cfg) -> None:
    post_id, _ = queued(db, cfg)
    text = q.get_post(db, post_id).captions["instagram"]
    broken = text.replace("Rp98.500.000", "Rp89.500.000")
    post = q.edit_caption(db, cfg, post_id, "instagram", broken, actor="budi")
    assert post.blocking and {"figure_wrong", "limit_missing"} <= \
        {f["code"] for f in post.lint if f["level"] == "block"}
    with pytest.raises(TransitionError, match=r"Rp89\.500\.000"):
        q.approve(db, post_id, actor="budi")
    with pytest.raises(TransitionError):
        q.transition(db, post_id, q.APPROVED, actor="budi")
    assert q.get_post(db, post_id).status == q.PENDING
    fixed = q.edit_caption(db, cfg, post_id, "instagram", text, actor="budi")
    assert not fixed.blocking and fixed.lint == ()
    assert q.approve(db, post_id, actor="budi").status == q.APPROVED


def test_warnings_do_not_block_approval(db, cfg) -> None:
    post_id, _ = queued(db, cfg)
    text = q.get_post(db, post_id).captions["facebook"] + "\nHubungi 0813-9999-8888"
    post = q.edit_caption(db, cfg, post_id, "facebook", text, actor="budi")
    assert [f["code"] for f in post.lint] == ["personal_phone"]
    assert q.approve(db, post_id, actor="budi").approved_by == "budi"


def test_approve_is_refused_once_the_auction_ended(db, cfg) -> None:
    post_id, lot = queued(db, cfg)
    with clock.use(lot.ends_at + timedelta(minutes=1)), \
            pytest.raises(TransitionError, match="berakhir"):
        q.approve(db, post_id, actor="budi")
    with clock.use(lot.deposit_deadline + timedelta(minutes=1)), \
            pytest.raises(TransitionError, match="batas setor"):
        q.approve(db, post_id, actor="budi")
    assert q.get_post(db, post_id).status == q.PENDING


# --- editing -------------------------------------------------------------------------------------


def test_edit_reruns_lint_records_the_edit_and_unapproves(db, cfg) -> None:
    post_id, _ = queued(db, cfg)
    q.approve(db, post_id, actor="budi")
    text = q.get_post(db, post_id).captions["x"]
    edited = text.replace("Lelang ", "Ikuti lelang ", 1)
    post = q.edit_caption(db, cfg, post_id, "x", edited + "\r\n", actor="rina")
    assert post.captions["x"] == edited
    assert post.status == q.PENDING and post.approved_by is None
    assert post.edited_by == "rina" and post.edited_at
    assert post.to_json(cfg)["edited_by"] == "rina"
    edit, unapprove = event_rows(db, post_id)[-2:]
    assert edit["action"] == "edit" and json.loads(edit["detail"]) == \
        {"channel": "x", "old": text, "new": edited}
    assert (unapprove["from_status"], unapprove["to_status"], unapprove["actor"]) == \
        ("approved", "pending", "rina")
    # The same text again changes nothing and records nothing.
    count = len(event_rows(db, post_id))
    q.edit_caption(db, cfg, post_id, "x", edited, actor="rina")
    assert len(event_rows(db, post_id)) == count


def test_edit_refuses_empty_text_unknown_channel_and_closed_posts(db, cfg) -> None:
    post_id, _ = queued(db, cfg)
    with pytest.raises(UsageError, match="kosong"):
        q.edit_caption(db, cfg, post_id, "x", " \n ", actor="rina")
    with pytest.raises(UsageError, match="kanal"):
        q.edit_caption(db, cfg, post_id, "myspace", "teks", actor="rina")
    for status in (q.REJECTED, q.PUBLISHED, q.EXPIRED, q.OUTDATED, q.WITHDRAWN, q.UNCONFIRMED):
        force_status(db, post_id, status)
        with pytest.raises(TransitionError):
            q.edit_caption(db, cfg, post_id, "x", "teks baru", actor="rina")
    assert "teks baru" not in q.get_post(db, post_id).captions["x"]


def test_set_images_stores_relative_paths_and_unapproves(db, cfg) -> None:
    post_id, _ = queued(db, cfg)
    q.approve(db, post_id, actor="budi")
    post = q.set_images(db, cfg, post_id, [image(cfg, "square.jpg"), "lots/story.jpg"],
                        actor="rina", template="square")
    assert post.images == ("lots/square.jpg", "lots/story.jpg")
    assert post.template == "square" and post.status == q.PENDING
    assert post.image_paths(cfg.output_dir) == [cfg.output_dir / "lots/square.jpg",
                                        cfg.output_dir / "lots/story.jpg"]
    assert [e.action for e in q.events(db, post_id=post_id, limit=2)] == \
        ["transition", "images"]
    with pytest.raises(UsageError):
        q.set_images(db, cfg, post_id, [], actor="rina")


# --- lot lifecycle -------------------------------------------------------------------------------


def test_passed_deposit_deadline_expires_unpublished_posts(db, cfg) -> None:
    statuses = {}
    for i, status in enumerate([q.PENDING, q.APPROVED, q.FAILED, q.UNCONFIRMED, q.PUBLISHED,
                                q.REJECTED]):
        post_id, lot = queued(db, cfg, make_lot(f"lot-{i}"))
        force_status(db, post_id, status)
        statuses[post_id] = status
    counts = q.apply_lot_states(db, now=lot.deposit_deadline + timedelta(minutes=1))
    assert counts == {"expired": 3, "withdrawn": 0, "outdated": 0}
    after = {i: q.get_post(db, i).status for i in statuses}
    for post_id, before in statuses.items():
        expected = q.EXPIRED if before in (q.PENDING, q.APPROVED, q.FAILED) else before
        assert after[post_id] == expected
        if expected == q.EXPIRED:
            last = event_rows(db, post_id)[-1]
            assert last["actor"] == "system" and "batas setor" in last["reason"]


def test_ended_auction_expires_posts(db, cfg) -> None:
    post_id, lot = queued(db, cfg, deposit_deadline=None)
    assert q.apply_lot_states(db, now=lot.ends_at - timedelta(minutes=1))["expired"] == 0
    assert q.apply_lot_states(db, now=lot.ends_at)["expired"] == 1
    assert q.get_post(db, post_id).status == q.EXPIRED
    # The lot marked ended by the collector expires a post too, whatever the clock says.
    other, lot2 = queued(db, cfg, make_lot("lot-2"))
    save(db, replace(lot2, status=LOT_ENDED))
    q.apply_lot_states(db, now=NOW)
    assert q.get_post(db, other).status == q.EXPIRED


def test_withdrawn_lot_withdraws_its_posts(db, cfg) -> None:
    post_id, lot = queued(db, cfg)
    q.approve(db, post_id, actor="budi")
    save(db, replace(lot, status=LOT_WITHDRAWN))
    assert q.apply_lot_states(db, now=NOW) == {"expired": 0, "withdrawn": 1, "outdated": 0}
    assert q.get_post(db, post_id).status == q.WITHDRAWN
    assert q.apply_lot_states(db, now=NOW)["withdrawn"] == 0   # idempotent


# --- digests and reminders -----------------------------------------------------------------------


def test_digest_is_idempotent_and_versioned(db, cfg) -> None:
    lots = [save(db, make_lot(f"lot-{i}", now=NOW + timedelta(days=i))) for i in range(3)]
    post_id, created = q.sync_digest_post(db, cfg, OFFICE_ID, lots, [image(cfg, "d.jpg")],
                                          week="2026-W11")
    assert created
    assert q.sync_digest_post(db, cfg, OFFICE_ID, list(reversed(lots)), [],
                              week="2026-W11") == (post_id, False)
    post = q.get_post(db, post_id)
    assert post.kind == "digest" and post.lot_id is None
    assert post.lot_ids == tuple(lot.id for lot in lots) and not post.blocking
    newer, created = q.sync_digest_post(db, cfg, OFFICE_ID, lots[:2], [], week="2026-W11")
    assert created and q.get_post(db, post_id).status == q.OUTDATED
    assert q.get_post(db, newer).version == 2
    assert [c.label for c in q.get_post(db, newer).changes] == ["Lot dihapus"]
    with pytest.raises(UsageError):
        q.sync_digest_post(db, cfg, OFFICE_ID, lots, [], week="minggu ini")


def test_digest_expires_when_no_lot_can_be_joined(db, cfg) -> None:
    lots = [save(db, make_lot(f"lot-{i}", now=NOW + timedelta(days=i))) for i in range(2)]
    post_id, _ = q.sync_digest_post(db, cfg, OFFICE_ID, lots, [], week="2026-W11")
    q.apply_lot_states(db, now=lots[0].deposit_deadline + timedelta(minutes=1))
    assert q.get_post(db, post_id).status == q.PENDING      # one lot still open
    q.apply_lot_states(db, now=lots[1].deposit_deadline + timedelta(minutes=1))
    assert q.get_post(db, post_id).status == q.EXPIRED


def test_reminder_only_for_approved_lots(db, cfg) -> None:
    post_id, lot = queued(db, cfg)
    with pytest.raises(NotQueueableError, match="disetujui"):
        q.sync_reminder_post(db, cfg, lot, [])
    q.approve(db, post_id, actor="budi")
    reminder, created = q.sync_reminder_post(db, cfg, lot, [image(cfg)])
    assert created and q.sync_reminder_post(db, cfg, lot, []) == (reminder, False)
    post = q.get_post(db, reminder)
    assert post.kind == "reminder" and post.previous_post_id == post_id
    assert "Pengingat" in post.captions["instagram"] and post.lint == ()


# --- reading -------------------------------------------------------------------------------------


def test_list_posts_puts_pending_first_then_nearest_deadline(db, cfg) -> None:
    ids = {}
    for i, days in enumerate([3, 1, 2]):
        ids[i], _ = queued(db, cfg, make_lot(f"lot-{i}", now=NOW + timedelta(days=days)))
    q.approve(db, ids[1], actor="budi")
    assert [p.id for p in q.list_posts(db)] == [ids[2], ids[0], ids[1]]
    assert [p.id for p in q.list_posts(db, status="approved")] == [ids[1]]
    assert [p.id for p in q.list_posts(db, status=["pending", "approved"], limit=1,
                                          offset=1)] == [ids[0]]
    assert q.list_posts(db, office_id="other") == []
    with pytest.raises(UsageError, match="tidak dikenal"):
        q.list_posts(db, status="bogus")
    counts = q.count_by_status(db)
    assert list(counts) == list(q.STATUSES)
    assert counts["pending"] == 2 and counts["approved"] == 1 and counts["published"] == 0


def test_events_filter_by_post_and_actor(db, cfg) -> None:
    a, _ = queued(db, cfg, make_lot("lot-a"))
    b, _ = queued(db, cfg, make_lot("lot-b"))
    q.approve(db, a, actor="budi")
    q.reject(db, b, actor="rina", reason="duplikat")
    assert [e.to_status for e in q.events(db, post_id=a)] == ["approved", "pending"]
    assert [(e.post_id, e.reason) for e in q.events(db, actor="rina")] == \
        [(b, "duplikat")]
    assert len(q.events(db, limit=1)) == 1


# --- CLI -----------------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path):
    (tmp_path / "config.toml").write_text(
        f'[[offices]]\nid = "{OFFICE_ID}"\nname = "KPKNL Bima"\ntimezone = "Asia/Makassar"\n'
        '[brand]\ncontact = "WA 0812-3456-7890"\n', encoding="utf-8")
    cfg = make_cfg(tmp_path)
    opened = database.connect(cfg.database_path)
    ids = []
    for i in range(2):
        lot = save(opened, make_lot(f"lot-{i}", now=NOW + timedelta(days=i)))
        ids.append(q.sync_lot_post(opened, cfg, lot, [image(cfg, f"{i}.jpg")])[0])
    for name in ("tester", "rina"):   # the reviewer accounts decisions are recorded under
        accounts.add_user(opened, name, "kata-sandi-uji")
    opened.conn.close()
    return tmp_path, ids


def run(project_dir, *args, env=None, input=None):
    runner = CliRunner()
    return runner.invoke(cli, ["--config", str(project_dir / "config.toml"), *args],
                         env={"LOGNAME": "tester", **(env or {})}, input=input)


def test_cli_queue_json_contract(project) -> None:
    folder, ids = project
    result = run(folder, "queue", "--json")
    assert result.exit_code == 0, result.output
    posts = json.loads(result.output)
    assert [p["id"] for p in posts] == ids
    for p in posts:
        assert {"id", "lot_ids", "kind", "status", "caption", "captions", "images",
                "created_at", "updated_at", "version", "lint", "changes", "office_id",
                "approved_by"} <= set(p)
        lot_url = make_lot(p["lot_ids"][0]).url
        assert lot_url in p["caption"] and p["caption"] == p["captions"]["instagram"]
        assert p["images"] == [f"data/out/lots/{p['lot_ids'][0][-1]}.jpg"]  # config-relative
        assert p["kind"] == "lot" and p["status"] == "pending"
    assert json.loads(run(folder, "queue", "--json", "--status", "approved").output) == []


def test_cli_approve_reject_and_see_it_in_json(project) -> None:
    folder, (a, b) = project
    result = run(folder, "queue", "approve", str(a), "--as", "TESTER")  # any case; stored as named
    assert result.exit_code == 0 and "disetujui oleh tester" in result.output
    assert run(folder, "queue", "approve", str(a), "--as", "tester").exit_code == 1  # approved
    assert run(folder, "queue", "reject", str(b), "--as", "rina").exit_code == 2  # --reason needed
    result = run(folder, "queue", "reject", str(b), "--reason", "foto salah", "--as", "rina")
    assert result.exit_code == 0, result.output
    posts = {p["id"]: p for p in json.loads(run(folder, "queue", "--json").output)}
    assert (posts[a]["status"], posts[a]["approved_by"]) == ("approved", "tester")
    assert (posts[b]["status"], posts[b]["reason"]) == ("rejected", "foto salah")
    assert posts[b]["rejected_by"] == "rina" and posts[b]["rejected_at"]
    assert posts[a]["rejected_by"] is None and posts[a]["edited_by"] is None
    history = run(folder, "queue", "history", "--json")
    assert [(e["actor"], e["to_status"]) for e in json.loads(history.output)[:2]] == \
        [("rina", "rejected"), ("tester", "approved")]


def test_cli_decisions_need_a_named_existing_account(project) -> None:
    """No --as, or an --as naming no account (or a removed one), is refused with exit 2 and an
    Indonesian line naming the problem; nothing changes and nothing is logged as done."""
    folder, (a, b) = project
    for args in (("approve", str(a)), ("reject", str(b), "--reason", "x"),
                 ("edit", str(a), "--channel", "x", "--caption-file", "-")):
        result = run(folder, "queue", *args, input="teks")
        assert result.exit_code == 2, result.output
        assert "--as NAMA" in result.output and "Traceback" not in result.output
        result = run(folder, "queue", *args, "--as", "nobody", input="teks")
        assert result.exit_code == 2, result.output
        assert "akun peninjau 'nobody' tidak ada" in result.output
    opened = database.connect(folder / "data" / "promo.db")
    accounts.add_user(opened, "admin", "kata-sandi-uji", role="admin")
    accounts.remove_user(opened, "rina", actor="admin")
    opened.conn.close()
    result = run(folder, "queue", "approve", str(a), "--as", "rina")
    assert result.exit_code == 2 and "akun peninjau 'rina' tidak ada" in result.output
    posts = json.loads(run(folder, "queue", "--json").output)
    assert {p["status"] for p in posts} == {"pending"}
    assert [e["actor"] for e in json.loads(run(folder, "queue", "history", "--json").output)
            if e["to_status"] != "pending"] == []


def test_cli_errors_are_one_line_without_traceback(project) -> None:
    folder, _ = project
    result = run(folder, "queue", "approve", "999", "--as", "tester")
    assert result.exit_code == 1 and "Galat: unggahan #999 tidak ada" in result.output
    result = run(folder, "queue", "--status", "bogus")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_cli_list_and_show_are_readable(project) -> None:
    folder, (a, _) = project
    result = run(folder, "queue")
    assert result.exit_code == 0 and "menunggu tinjauan: 2" in result.output
    result = run(folder, "queue", "show", str(a))
    assert result.exit_code == 0
    assert "── instagram" in result.output and make_lot("lot-0").url in result.output
    assert "Riwayat:" in result.output


def test_cli_edit_from_a_file_and_from_the_editor(project, tmp_path) -> None:
    folder, (a, b) = project
    caption = tmp_path / "caption.txt"
    caption.write_text("Teks tanpa angka", encoding="utf-8")
    result = run(folder, "queue", "edit", str(a), "--channel", "x", "--caption-file",
                 str(caption), "--as", "tester")
    assert result.exit_code == 0 and "[BLOKIR]" in result.output
    assert run(folder, "queue", "approve", str(a), "--as", "tester").exit_code == 1
    editor = tmp_path / "editor.py"
    editor.write_text("import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
                      "p.write_text(p.read_text(encoding='utf-8').replace('Lelang ', "
                      "'Ikuti lelang ', 1), encoding='utf-8')\n", encoding="utf-8")
    result = run(folder, "queue", "edit", str(b), "--channel", "x", "--as", "rina",
                 env={"EDITOR": f"{sys.executable} {editor}"})
    assert result.exit_code == 0, result.output
    post = {p["id"]: p for p in json.loads(run(folder, "queue", "--json").output)}[b]
    assert post["captions"]["x"].startswith("Ikuti lelang ")
    assert run(folder, "queue", "edit", str(b), "--channel", "myspace",
               "--as", "rina").exit_code == 2
