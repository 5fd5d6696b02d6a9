"""Insights: the platforms' numbers for published posts, fetched from the fake Graph API on
127.0.0.1 (tests/fake_graph.py) with the publishing clients; errors, missing permissions and
throttles never fail the fetch."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fake_graph import graph_error
from fake_platforms import FakePlatforms, add_lot, add_post
from publish_project import INSTAGRAM_TOKEN, make_project, set_tokens, with_publish

from promo_pipeline import store
from promo_pipeline.insights import samples
from promo_pipeline.insights.fetch import due, fetch_due, parse_insights
from promo_pipeline.publish.outbox import publish

PUBLIC = "http://127.0.0.1:9/out"  # Instagram's required public base (never fetched here)


@pytest.fixture
def fake():
    server = FakePlatforms().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def tokens(monkeypatch):
    set_tokens(monkeypatch)


def _ig_media(p, fake, post_id: int, media_id: str, *, sent_at: datetime) -> int:
    """An Instagram media the fake knows, and our sent delivery of it."""
    fake.instagram.append({"container": "ig0", "id": media_id, "caption": "x", "images": [],
                           "at": sent_at.timestamp(),
                           "permalink": f"https://www.instagram.com/p/{media_id}/"})
    with store.write_tx(p.db):
        p.db["deliveries"].insert({
            "post_id": post_id, "channel": "instagram", "idem_key": f"k-{media_id}",
            "status": "sent", "remote_id": media_id, "sent_at": sent_at.isoformat(),
            "created_at": sent_at.isoformat(), "updated_at": sent_at.isoformat()})
        return int(p.db.execute("select last_insert_rowid()").fetchone()[0])


def _new_post(p, lot_id: str) -> int:
    add_lot(p.db, lot_id)
    return add_post(p.db, p.cfg, lot_id)


def _published_facebook(tmp_path, fake):
    p = make_project(tmp_path, ["facebook"], fake, public_base_url=PUBLIC)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    assert publish(p.cfg, p.db, now=True, notify=False).sent == 1
    return p, post_id, fake.facebook[0]["id"]


def test_facebook_and_instagram_numbers_are_stored_as_one_series(tmp_path, fake):
    p, post_id, fb_id = _published_facebook(tmp_path, fake)
    fake.insights[fb_id] = {"post_total_media_view_unique": 420, "post_media_view": 610,
                            "post_reactions_by_type_total": {"like": 30, "love": 4},
                            "post_clicks_by_type": {"link clicks": 17, "other clicks": 9},
                            "shares": 5, "comments": 3, "reactions": 34}
    _ig_media(p, fake, post_id, "media77", sent_at=datetime.now(UTC) - timedelta(days=2))
    fake.insights["media77"] = {"reach": 900, "views": 1500, "likes": 80, "comments": 6,
                                "shares": 4, "saved": 12, "total_interactions": 102}
    cfg = with_publish(p.cfg, channels=["facebook", "instagram"])
    summary = fetch_due(cfg, p.db)
    assert summary.to_json() == {"ok": 2, "unavailable": 0, "errors": 0, "skipped": {}}
    by_channel = {s.channel: s for s in samples.latest(p.db, range(1, 10)).values()}
    assert by_channel["facebook"].metrics == {"reach": 420, "views": 610, "reactions": 34,
                                              "clicks": 17, "shares": 5, "comments": 3,
                                              "interactions": 42}
    assert by_channel["instagram"].metrics == {"reach": 900, "views": 1500, "reactions": 80,
                                               "comments": 6, "shares": 4, "saves": 12,
                                               "interactions": 102}
    # The client asked for the documented v26.0 names, never a retired one.
    assert "GET fb.insights" in fake.calls and "GET ig.insights" in fake.calls
    # Asked again the same day: nothing due; a day later: a second sample (a time series).
    assert fetch_due(cfg, p.db).ok == 0
    fake.insights["media77"]["reach"] = 950
    later = datetime.now(UTC) + timedelta(days=1)
    assert fetch_due(cfg, p.db, now=later).ok == 2
    ig = next(d for d in p.deliveries() if d["channel"] == "instagram")
    assert [s.metrics["reach"] for s in samples.series(p.db, ig["id"])] == [900, 950]


def test_old_posts_and_telegram_are_not_asked(tmp_path, fake):
    p = make_project(tmp_path, ["facebook", "instagram"], fake, public_base_url=PUBLIC)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    _ig_media(p, fake, post_id, "media1", sent_at=datetime.now(UTC) - timedelta(days=40))
    with store.write_tx(p.db):
        p.db["deliveries"].insert({"post_id": post_id, "channel": "telegram", "idem_key": "t",
                                   "status": "sent", "remote_id": "@kpknlbima/5",
                                   "sent_at": datetime.now(UTC).isoformat()})
    assert due(p.db, datetime.now(UTC), days=30) == []
    assert [d.remote_id for d in due(p.db, datetime.now(UTC), days=60)] == ["media1"]
    assert fetch_due(p.cfg, p.db).to_json()["ok"] == 0 and fake.calls == []


def test_instagram_without_numbers_yet_is_unavailable_not_an_error(tmp_path, fake):
    p = make_project(tmp_path, ["instagram"], fake, public_base_url=PUBLIC)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    _ig_media(p, fake, post_id, "media5", sent_at=datetime.now(UTC))       # empty data set
    _ig_media(p, fake, _new_post(p, "lot-2"), "media6", sent_at=datetime.now(UTC))
    fake.expect("ig.insights", ("error", 400, graph_error(
        10, "(#10) Not enough viewers for the media to show insights")))
    summary = fetch_due(p.cfg, p.db)
    assert (summary.ok, summary.unavailable, summary.errors) == (0, 2, 0)
    notes = [s.note for d in (1, 2) for s in samples.series(p.db, d)]
    assert any("penonton" in n for n in notes) and any("48 jam" in n for n in notes)
    assert samples.latest(p.db, [1, 2]) == {}


def test_missing_permission_and_expired_token_are_recorded_in_plain_words(tmp_path, fake):
    p = make_project(tmp_path, ["instagram"], fake, public_base_url=PUBLIC)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    _ig_media(p, fake, post_id, "media8", sent_at=datetime.now(UTC))
    _ig_media(p, fake, _new_post(p, "lot-2"), "media9", sent_at=datetime.now(UTC))
    fake.expect("ig.insights",
                ("error", 403, graph_error(200, "(#200) Requires instagram_manage_insights "
                                                "permission")),
                ("error", 400, graph_error(190, "Error validating access token", subcode=463)))
    summary = fetch_due(p.cfg, p.db)
    assert summary.errors == 2 and summary.ok == 0
    notes = [samples.series(p.db, d)[0].note for d in (1, 2)]
    assert "izin aplikasi kurang" in notes[0]
    assert "token" in notes[1] and "PROMO_INSTAGRAM_TOKEN" in notes[1]
    assert all("SECRET" not in n for n in notes)


def test_a_throttle_stops_that_platform_for_the_run_only(tmp_path, fake):
    p = make_project(tmp_path, ["instagram"], fake, public_base_url=PUBLIC)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    for i in range(3):
        pid = post_id if i == 0 else _new_post(p, f"lot-{i + 1}")
        _ig_media(p, fake, pid, f"media{20 + i}", sent_at=datetime.now(UTC))
        fake.insights[f"media{20 + i}"] = {"reach": 10 + i}
    fake.expect("ig.insights", "ok", ("error", 400, graph_error(4, "(#4) Application request "
                                                                   "limit reached")))
    summary = fetch_due(p.cfg, p.db)
    assert summary.ok == 1 and "instagram" in summary.skipped
    assert len(due(p.db, datetime.now(UTC), days=30)) == 2  # asked again next run
    assert fetch_due(p.cfg, p.db).ok == 2


def test_unreachable_platform_and_incomplete_settings_do_not_raise(tmp_path, fake, monkeypatch):
    p = make_project(tmp_path, ["instagram"], fake, public_base_url=PUBLIC)
    add_lot(p.db, "lot-1")
    post_id = add_post(p.db, p.cfg, "lot-1")
    _ig_media(p, fake, post_id, "media30", sent_at=datetime.now(UTC))
    fake.stop()
    summary = fetch_due(p.cfg, p.db)
    assert summary.errors == 1 and "tidak dapat dihubungi" in samples.series(p.db, 1)[0].note
    monkeypatch.delenv("PROMO_INSTAGRAM_TOKEN")
    later = datetime.now(UTC) + timedelta(days=1)
    summary = fetch_due(p.cfg, p.db, now=later)
    assert summary.ok == 0 and "instagram" in summary.skipped


def test_retired_metric_names_are_refused_like_meta_does(fake):
    url = f"{fake.graph_url}/media1/insights"
    fake.instagram.append({"id": "media1", "caption": "", "at": 0, "permalink": ""})
    import requests

    answer = requests.get(url, params={"metric": "impressions,reach"}, timeout=5,
                          headers={"Authorization": f"Bearer {INSTAGRAM_TOKEN}"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 100


def test_parse_reads_both_documented_value_shapes():
    body = json.loads('{"data": [{"name": "reach", "period": "lifetime", "values": '
                      '[{"value": 12}], "id": "1/insights/reach/lifetime"}, {"name": "views", '
                      '"period": "day", "total_value": {"value": 30}}, {"name": "saved", '
                      '"values": []}]}')
    assert parse_insights(body, {"reach": "reach", "views": "views", "saved": "saves"}) == {
        "reach": 12, "views": 30}
