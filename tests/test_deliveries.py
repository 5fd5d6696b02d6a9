"""The outbox's table owner: typed records, one claim, recorded moves, due times, slots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fake_platforms import Project, add_lot, add_post, write_config

from promo_pipeline import store
from promo_pipeline.errors import NotFoundError
from promo_pipeline.publish import deliveries as dl

NOW = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)


@pytest.fixture
def p(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    project = Project(root, write_config(root, channels=["export"]))
    add_lot(project.db, "lot-1")
    project.post_id = add_post(project.db, project.cfg, "lot-1")
    yield project
    project.close()


def queued(p, channel="telegram", payload=None) -> int:
    with store.write_tx(p.db):
        return dl.insert_queued(p.db, p.post_id, channel, f"key-{channel}",
                                payload or {"caption": "Lelang 🏠"}, NOW)


def test_a_delivery_reads_back_as_a_record(p):
    did = queued(p)
    d = dl.get(p.db, did)
    assert (d.post_id, d.channel, d.status, d.attempts) == (p.post_id, "telegram", "queued", 0)
    assert d.payload == {"caption": "Lelang 🏠"} and d.checkpoint == {} and not d.started
    assert dl.find(p.db, p.post_id, "telegram") == d and dl.find(p.db, p.post_id, "x") is None
    assert d.to_json()["error"] is None and "payload" not in d.to_json()
    with pytest.raises(NotFoundError, match="#999"):
        dl.get(p.db, 999)


def test_a_delivery_is_claimed_once_and_every_move_is_recorded(p):
    did = queued(p)
    with store.write_tx(p.db):
        assert dl.claim(p.db, did, NOW) is True
        assert dl.claim(p.db, did, NOW) is False  # not queued any more
        assert dl.move(p.db, did, dl.SENDING, dl.SENT, NOW, remote_id="42", note="ok")
        assert not dl.move(p.db, did, dl.SENDING, dl.FAILED, NOW)  # it left 'sending'
    d = dl.get(p.db, did)
    assert (d.status, d.attempts, d.remote_id) == ("sent", 1, "42")
    moves = [(e.from_status, e.to_status, e.actor) for e in dl.events(p.db, did)]
    assert moves == [(None, "queued", "system"), ("queued", "sending", "system"),
                     ("sending", "sent", "system")]
    with pytest.raises(ValueError, match="not a deliveries column"):
        dl.move(p.db, did, dl.SENT, dl.QUEUED, NOW, **{"status = 'sent', x": 1})


def test_due_honours_sub_second_retry_times(p):
    did = queued(p)
    with store.write_tx(p.db):
        dl.claim(p.db, did, NOW)
        dl.move(p.db, did, dl.SENDING, dl.QUEUED, NOW,
                next_attempt_at=dl.iso_us(NOW + timedelta(milliseconds=400)))
    assert dl.due(p.db, NOW + timedelta(milliseconds=399), [p.post_id]) == []
    assert [d.id for d in dl.due(p.db, NOW + timedelta(milliseconds=400), [p.post_id])] == [did]
    assert dl.next_retry(p.db, [p.post_id]) == NOW + timedelta(milliseconds=400)
    assert dl.due(p.db, NOW + timedelta(days=1), [p.post_id + 1]) == []  # other posts only


def test_post_lists_of_any_length_are_one_parameter(p):
    queued(p)
    many = [*range(100_000, 140_000), p.post_id]  # more ids than SQLite allows parameters
    assert dl.count_queued(p.db, many) == 1
    assert dl.posts_with_deliveries(p.db, many) == [p.post_id]


def test_cancel_queued_keeps_the_reason(p):
    queued(p, "telegram")
    queued(p, "facebook")
    with store.write_tx(p.db):
        assert dl.cancel_queued(p.db, p.post_id, "lelang sudah berakhir", NOW) == 2
    found = dl.of_post(p.db, p.post_id)
    assert {d.status for d in found} == {"cancelled"}
    assert {d.last_error for d in found} == {"lelang sudah berakhir"}
    assert dl.of_post(p.db, p.post_id, statuses=dl.NEEDS_A_HUMAN) == []


def test_slots_served_are_remembered_once(p):
    slot = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)
    assert not dl.slot_served(p.db, "off-bima", slot)
    with store.write_tx(p.db):
        dl.mark_slots_served(p.db, [("off-bima", slot)], NOW)
        dl.mark_slots_served(p.db, [("off-bima", slot)], NOW + timedelta(hours=1))
    assert dl.slot_served(p.db, "off-bima", slot)
    assert not dl.slot_served(p.db, "", slot)


def test_a_cancelled_delivery_takes_new_content_from_scratch(p):
    did = queued(p)
    with store.write_tx(p.db):
        dl.claim(p.db, did, NOW)
        dl.move(p.db, did, dl.SENDING, dl.QUEUED, NOW, last_error="429",
                next_attempt_at=dl.iso_us(NOW))
        dl.cancel_queued(p.db, p.post_id, "kanal dihapus", NOW)
        assert dl.take_content(p.db, dl.get(p.db, did), "key-2", {"caption": "baru"}, NOW,
                               note="post approved again")
    d = dl.get(p.db, did)
    assert (d.status, d.attempts, d.next_attempt_at, d.last_error) == ("queued", 0, None, None)
    assert (d.idem_key, d.payload) == ("key-2", {"caption": "baru"})
    assert dl.events(p.db, did)[-1].note == "post approved again"
    with store.write_tx(p.db):  # a queued one keeps its attempts and retry time
        dl.claim(p.db, did, NOW)
        dl.move(p.db, did, dl.SENDING, dl.QUEUED, NOW, next_attempt_at=dl.iso_us(NOW))
        assert dl.take_content(p.db, dl.get(p.db, did), "key-3", {"caption": "lagi"}, NOW,
                               note="content updated before sending")
    assert dl.get(p.db, did).attempts == 1 and dl.get(p.db, did).next_attempt_at
