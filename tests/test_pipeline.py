"""`pipeline.run` and `promo run`: the run summary, the runs row, `--lot` by id and by URL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from promo_pipeline import clock, formats, pipeline, queue
from promo_pipeline.cli import cli
from promo_pipeline.demo.server import Fault
from promo_pipeline.errors import NotFoundError, UsageError
from promo_pipeline.lots import list_lots

BIMA = "0b1a0000-0000-4000-8000-000000000001"
OTHER = "0b1a0000-0000-4000-8000-000000000003"
UNKNOWN_LOT = "11111111-2222-4333-8444-555555555555"


def _listed(server) -> list[str]:
    return [i["lotLelangId"] for i in server.dataset.listings[BIMA]]


def _runs(db) -> list[dict]:
    rows = list(db["runs"].rows_where(order_by="id"))
    for r in rows:
        r["counts"] = json.loads(r["counts"])
        r["errors"] = json.loads(r["errors"])
    return rows


def test_run_collects_every_office_and_records_the_run(config, db, fake_lelang):
    ids = _listed(fake_lelang)
    summary = pipeline.run(config, db, progress=False)
    assert summary.ok and summary.status == "ok"
    assert summary.count("collect", "lots_new") == len(ids)
    assert {lot.id for lot in list_lots(db)} == set(ids)
    assert summary.line().startswith(f"Run #{summary.run_id} selesai")
    assert f"lot baru {len(ids)}" in summary.line()
    (row,) = _runs(db)
    assert row["id"] == summary.run_id and row["kind"] == "run" and row["status"] == "ok"
    assert row["counts"]["collect"]["lots_new"] == len(ids)
    downloaded = summary.count("collect", "photos_downloaded")
    assert row["counts"]["collect"]["photos_downloaded"] == downloaded > 0
    assert row["errors"] == []
    assert row["finished_at"] and row["duration_s"] >= 0
    assert set(summary.counts) == {"collect", "render", "queue"}
    # Every listed lot is upcoming, so each gets images and one pending post.
    assert row["counts"]["render"]["lots"] == len(ids)
    assert row["counts"]["render"]["rendered"] >= len(ids)
    assert row["counts"]["queue"]["queued"] == len(ids)
    assert row["counts"]["queue"]["pending"] == len(ids)
    assert f"unggahan baru {len(ids)}" in summary.line()

    fake_lelang.reset_log()
    second = pipeline.run(config, db, progress=False)
    assert second.ok and second.run_id == summary.run_id + 1
    assert second.count("collect", "lots_new") == 0
    assert second.count("collect", "lots_unchanged") == len(ids)
    assert fake_lelang.count("detail") == 0 and fake_lelang.count("file") == 0
    # Nothing changed: nothing drawn again, no second post for the same lot version.
    assert second.counts["render"]["rendered"] == 0
    assert second.counts["queue"]["queued"] == 0
    assert second.counts["queue"]["existing"] == len(ids)
    assert db.execute("select count(*) from posts").fetchone()[0] == len(ids)


@pytest.mark.parametrize("as_url", [False, True])
def test_run_for_one_lot_by_id_or_url(config, db, fake_lelang, as_url):
    lot_id = _listed(fake_lelang)[1]
    ref = f"https://lelang.go.id/kpknl/{BIMA}/detail-auction/{lot_id}" if as_url else lot_id
    summary = pipeline.run(config, db, lot_ref=ref)
    assert summary.ok
    assert summary.lot is not None and summary.lot.id == lot_id
    assert [lot.id for lot in list_lots(db)] == [lot_id]
    # Straight to the detail: no listing page is fetched for an urgent lot.
    assert fake_lelang.count("listing") == 0 and fake_lelang.count("detail") == 1
    assert lot_id in summary.line() and "baru" in summary.line()
    # The end is shown in the office's zone (KPKNL Bima: WITA), as staff read it.
    assert formats.datetime_medium(summary.lot.ends_at, "Asia/Makassar") in summary.line()
    assert "WITA" in summary.line()
    (row,) = _runs(db)
    assert row["status"] == "ok" and row["counts"]["lot_ref"] == ref
    assert row["counts"]["collect"]["lots_new"] == 1
    # Rendered in every configured format and queued as pending at once.
    assert summary.post_id is not None
    post = queue.get_post(db, summary.post_id)
    assert post.status == "pending" and post.lot_id == lot_id
    assert summary.images and all(p.is_file() for p in summary.images)
    formats_drawn = {r[0] for r in db.execute("select format from images where lot_id = ?",
                                              [lot_id])}
    assert set(config.render.formats) <= formats_drawn | {"urgent"}


def test_unknown_lot_is_recorded_as_a_failed_run_and_raised(config, db, fake_lelang):
    with pytest.raises(NotFoundError):
        pipeline.run(config, db, lot_ref=UNKNOWN_LOT)
    (row,) = _runs(db)
    assert row["status"] == "failed"
    assert UNKNOWN_LOT in row["errors"][0]
    assert row["finished_at"]
    assert list(db["lots"].rows) == []


def test_bad_lot_reference_is_a_usage_error_and_not_a_run(config, db, fake_lelang):
    with pytest.raises(UsageError):
        pipeline.run(config, db, lot_ref="https://example.com/not-a-lot")
    assert _runs(db) == []
    assert fake_lelang.count("detail") == 0


def test_a_failing_office_makes_the_run_partial_and_keeps_the_others(
    cfg_factory, db, fake_lelang
):
    cfg = cfg_factory(fake_lelang, offices=[
        {"id": BIMA, "name": "KPKNL Bima", "timezone": "Asia/Makassar", "categories": []},
        {"id": OTHER, "name": "KPKNL Mataram", "timezone": "Asia/Makassar", "categories": []},
    ])
    fake_lelang.inject(f"/landing-page-kpknl/{OTHER}/", Fault.error(503, times=None))
    summary = pipeline.run(cfg, db, progress=False)
    assert summary.status == "partial" and not summary.ok
    assert any(OTHER in e for e in summary.errors)
    assert {lot.id for lot in list_lots(db)} == set(_listed(fake_lelang))
    assert "selesai sebagian" in summary.line()
    (row,) = _runs(db)
    assert row["status"] == "partial" and any(OTHER in e for e in row["errors"])


def test_every_office_failing_makes_the_run_failed(config, db, fake_lelang):
    fake_lelang.inject("/landing-page-kpknl/", Fault.error(503, times=None))
    summary = pipeline.run(config, db, progress=False)
    assert summary.status == "failed" and "gagal" in summary.line()
    assert _runs(db)[0]["status"] == "failed"
    assert list(db["lots"].rows) == []


# --- promo run ---------------------------------------------------------------------------------


def test_promo_run_prints_the_summary_and_exits_0(config, fake_lelang):
    result = CliRunner().invoke(cli, ["--config", str(config.path), "run"])
    assert result.exit_code == 0, result.output
    assert f"lot baru {len(_listed(fake_lelang))}" in result.output


def test_promo_run_lot_by_url_and_its_failures(config, fake_lelang):
    runner = CliRunner()
    lot_id = _listed(fake_lelang)[0]
    ok = runner.invoke(cli, ["--config", str(config.path), "run", "--lot",
                             f"https://lelang.go.id/detail-auction/{lot_id}"])
    assert ok.exit_code == 0, ok.output
    assert lot_id in ok.output

    missing = runner.invoke(cli, ["--config", str(config.path), "run", "--lot", UNKNOWN_LOT])
    assert missing.exit_code == 1
    assert "tidak ditemukan" in missing.output and "Traceback" not in missing.output

    bad = runner.invoke(cli, ["--config", str(config.path), "run", "--lot", "not a lot"])
    assert bad.exit_code == 2
    assert "Traceback" not in bad.output


def test_promo_run_exits_1_when_an_office_failed(config, fake_lelang):
    fake_lelang.inject("/landing-page-kpknl/", Fault.error(503, times=None))
    result = CliRunner().invoke(cli, ["--config", str(config.path), "run"])
    assert result.exit_code == 1
    assert "galat" in result.output


def test_weekly_digest_is_one_post_per_office_and_week(config, db, fake_lelang):
    pipeline.run(config, db, progress=False)
    lots = list_lots(db)
    # "Now" is one day before the first deposit deadline: every sample lot falls in the week.
    now = min(lot.deposit_deadline for lot in lots) - timedelta(days=1)
    with clock.use(now):
        first = pipeline.run_digest(config, db)
    assert first.ok and first.count("digest", "queued") == 1
    (post,) = [p for p in queue.list_posts(db) if p.kind == "digest"]
    assert sorted(post.lot_ids) == sorted(lot.id for lot in lots)
    assert post.images, "the digest has its images"
    # The same week and the same lots: no second digest.
    with clock.use(now):
        again = pipeline.run_digest(config, db)
    assert again.count("digest", "queued") == 0 and again.count("digest", "existing") == 1
    kinds = [r["kind"] for r in db["runs"].rows_where(order_by="id")]
    assert kinds.count("digest") == 2


def test_reminders_only_for_approved_lots_ending_tomorrow(config, db, fake_lelang):
    pipeline.run(config, db, progress=False)
    lots = list_lots(db)
    target = lots[0]
    # The morning before the auction ends, office-local (Bima: 06.00 WITA, when the daemon's
    # job runs), deposit deadline still open. (The reminder's rule and the job read one clock.)
    now = target.ends_at - timedelta(hours=28)
    assert target.deposit_deadline > now
    with clock.use(now):
        none_yet = pipeline.run_reminders(config, db)
    assert none_yet.count("reminders", "queued") == 0  # nothing approved yet
    (post,) = [p for p in queue.list_posts(db) if p.lot_id == target.id]
    queue.approve(db, post.id, actor="rina")  # today, while the lot can still be joined
    with clock.use(now):
        done = pipeline.run_reminders(config, db)
        assert done.count("reminders", "queued") == 1
        reminders = [p for p in queue.list_posts(db) if p.kind == "reminder"]
        assert [r.lot_id for r in reminders] == [target.id]
        assert pipeline.run_reminders(config, db).count("reminders", "queued") == 0


# --- run health ----------------------------------------------------------------------------------


def _drop_key(server, key: str, lot_ids=None) -> None:
    """The API change that broke a real run: listed lots without *key* (listing and detail)."""
    for items in server.dataset.listings.values():
        for item in items:
            if lot_ids is None or item["lotLelangId"] in lot_ids:
                item.pop(key, None)
                server.dataset.details.get(item["lotLelangId"], {}).pop(key, None)


def test_a_run_that_skips_every_listed_lot_fails_loudly(config, db, fake_lelang, monkeypatch):
    """Every listed lot lacks uangJaminan: exit 1, one Indonesian line naming the cause, the
    runs row failed, the reviewers told; the log never says a skipped lot was stored."""
    from promo_pipeline import notify

    _drop_key(fake_lelang, "uangJaminan")
    told = []
    monkeypatch.setattr(notify, "notify", lambda cfg, subject, text, audience=None: told.append(
        (subject, text)) or {"email": "sent"})
    listed = len(_listed(fake_lelang))
    result = CliRunner().invoke(cli, ["--config", str(config.path), "run"])
    assert result.exit_code == 1, result.output
    line = f"semua {listed} lot dilewati: uangJaminan tidak ada — format API berubah?"
    assert f"galat: {line}" in result.output
    assert result.output.count("galat:") == 1 and "Traceback" not in result.output
    assert "Run #1 gagal" in result.output
    [run] = _runs(db)
    assert run["status"] == "failed" and run["errors"] == [line]
    assert run["counts"]["collect"]["lots_listed"] == listed
    assert run["counts"]["collect"]["lots_skipped"] == listed
    assert list(db["lots"].rows) == []
    [(subject, text)] = told
    assert "gagal" in subject and line in text


def test_a_run_that_skips_more_than_half_fails_and_half_does_not(config, db, fake_lelang,
                                                                  caplog):
    ids = _listed(fake_lelang)
    assert len(ids) >= 4
    _drop_key(fake_lelang, "tglSelesaiLelang", set(ids[: len(ids) // 2]))
    summary = pipeline.run(config, db, progress=False)
    assert summary.status == "ok", summary.errors          # half skipped: a warning, not a fail
    assert summary.count("collect", "lots_skipped") == len(ids) // 2
    _drop_key(fake_lelang, "tglSelesaiLelang", set(ids[: len(ids) // 2 + 1]))
    summary = pipeline.run(config, db, progress=False)
    skipped = len(ids) // 2 + 1
    assert summary.status == "failed" and not summary.ok
    assert summary.errors[0] == (f"{skipped} dari {len(ids)} lot dilewati: tglSelesaiLelang "
                                 "tidak ada — format API berubah?")
    assert _runs(db)[-1]["status"] == "failed"


def test_a_lot_without_a_usable_detail_is_not_both_stored_and_skipped(config, db, fake_lelang,
                                                                      caplog):
    """A detail 404 and a listing item that does not parse: one warning (skipped, with the
    detail's problem), never "stored from the listing only" as well."""
    lot_id = _listed(fake_lelang)[0]
    fake_lelang.dataset.details.pop(lot_id)
    _drop_key(fake_lelang, "uangJaminan", {lot_id})
    with caplog.at_level("WARNING"):
        pipeline.run(config, db, progress=False)
    mine = [r.getMessage() for r in caplog.records if lot_id in r.getMessage()]
    assert len(mine) == 1 and "skipped" in mine[0] and "detail unusable" in mine[0]
    assert "stored from the listing only" not in mine[0]
