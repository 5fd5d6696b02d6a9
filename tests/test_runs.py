"""Runs: the runs table, the Recorder, and the one run summary (its line and its JSON)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from promo_pipeline import clock, database, runs


@pytest.fixture
def db(tmp_path):
    database_ = database.connect(tmp_path / "promo.db")
    yield database_
    database_.close()


def test_runs_are_recorded(db):
    run_id = runs.start_run(db, "scrape")
    assert db["runs"].get(run_id)["status"] == "running"
    run = runs.finish_run(db, run_id, counts={"collect": {"lots_new": 3}}, errors=["x"],
                          status="partial")
    row = db["runs"].get(run_id)
    assert (row["kind"], row["status"]) == ("scrape", "partial")
    assert json.loads(row["counts"]) == {"collect": {"lots_new": 3}}
    assert json.loads(row["errors"]) == ["x"]
    assert row["finished_at"] and row["duration_s"] >= 0
    assert run == runs.get_run(db, run_id) and run.errors == ("x",) and run.lot_ref is None


def test_timestamps_are_the_one_iso_format(db):
    at = datetime(2026, 3, 9, 5, 0, 7, 123456, tzinfo=UTC)
    with clock.use(at):
        run_id = runs.start_run(db, "run")
        runs.finish_run(db, run_id, counts={}, errors=[], status="ok")
    row = db["runs"].get(run_id)
    assert row["started_at"] == row["finished_at"] == "2026-03-09T05:00:07+00:00"


def test_recent_runs_filter_by_kind_and_status_and_know_urgent_runs(db):
    for kind, status, counts in [("run", "ok", {}), ("run", "failed", {}),
                                 ("run", "ok", {"lot_ref": "abc"}), ("scrape", "ok", {})]:
        runs.finish_run(db, runs.start_run(db, kind), counts=counts, errors=[], status=status)
    found = runs.recent_runs(db, "run", statuses=("ok",))
    assert [r.lot_ref for r in found] == ["abc", None]
    assert len(runs.recent_runs(db, "run")) == 3


def test_the_recorder_gives_one_summary_with_one_line_and_one_json(db):
    recorder = runs.Recorder(db, "digest")
    summary = recorder.finish({"digest": {"queued": 2, "existing": 1, "skipped": 0}}, [])
    assert summary.ok and summary.run_id == recorder.run_id
    assert summary.line().startswith(f"Rangkuman pekanan #{summary.run_id} selesai")
    assert "unggahan baru 2, sudah ada 1; galat 0" in summary.line()
    data = summary.to_json()
    assert data["kind"] == "digest" and data["counts"]["digest"]["queued"] == 2
    assert set(data) == {"run_id", "kind", "status", "ok", "duration_s", "counts", "errors",
                         "warnings"}
    stored = runs.get_run(db, recorder.run_id)
    assert stored is not None and stored.status == "ok"
    assert stored.counts == {"digest": {"queued": 2, "existing": 1, "skipped": 0}}


def test_a_failed_run_is_recorded_with_its_error(db):
    recorder = runs.Recorder(db, "run", lot_ref="abc")
    recorder.fail({"collect": {"lots_new": 0}}, ["lot abc tidak ditemukan"])
    run = runs.get_run(db, recorder.run_id)
    assert run is not None and run.status == "failed" and run.lot_ref == "abc"
    assert run.errors == ("lot abc tidak ditemukan",)


def test_status_of_errors():
    assert runs.status_of([]) == "ok"
    assert runs.status_of(["x"]) == "partial"
    assert runs.status_of(["x"], nothing_done=True) == "failed"
