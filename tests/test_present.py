"""The presenter: one set of Indonesian words, printed the same by the CLI and the review page."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest
from click.testing import CliRunner
from queue_fixtures import OFFICE_ID, make_lot

from promo_pipeline import accounts, database, present
from promo_pipeline import config as config_mod
from promo_pipeline import queue as q
from promo_pipeline.cli import cli
from promo_pipeline.lots import save_lot
from promo_pipeline.queue.records import Change
from promo_pipeline.review import app as app_mod

PASSWORD = "kata-sandi-uji-1"
CONFIG = f"""
[[offices]]
id = "{OFFICE_ID}"
name = "KPKNL Bima"
timezone = "Asia/Makassar"

[brand]
name = "KPKNL Bima"
handle = "@kpknlbima"
contact = "WA 0812-3456-7890"
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setattr(accounts.users, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    monkeypatch.delenv("PROMO_SECRET_KEY", raising=False)
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    cfg = config_mod.load(path)
    db = database.connect(cfg.database_path)
    accounts.add_user(db, "ani", PASSWORD, role="admin")
    yield cfg, db
    db.close()


def _stored(db, lot):
    save_lot(db, lot, seen_at="2026-01-01T00:00:00+00:00")
    return lot


def _show_lines(cfg, post_id: int) -> list[tuple[str, str, str]]:
    out = CliRunner().invoke(cli, ["--config", str(cfg.path), "queue", "show", str(post_id)])
    assert out.exit_code == 0, out.output
    block = out.output.split("Yang berubah sejak versi sebelumnya:\n", 1)[1].split("\n\n", 1)[0]
    rows = [re.match(r"  - (.+?): (.+) → (.+)$", line) for line in block.splitlines()]
    return [m.groups() for m in rows if m]


def _page_lines(cfg, post_id: int) -> tuple[list[tuple[str, str, str]], str]:
    client = app_mod.create_app(cfg, testing=True).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/login", data={"name": "ani", "password": PASSWORD, "csrf_token": token})
    page = client.get(f"/posts/{post_id}").get_data(as_text=True)
    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td><del>(.*?)</del></td>'
                      r"<td><ins>(.*?)</ins></td></tr>", page)
    return [tuple(html.unescape(c) for c in row) for row in rows], page


def test_the_review_page_and_queue_show_print_the_same_change_list(project):
    cfg, db = project
    lot = _stored(db, make_lot())
    q.sync_lot_post(db, cfg, lot, [])
    changed = _stored(db, replace(lot, limit_value=90_000_000, bid_increment=2_000_000))
    post_id, created = q.sync_lot_post(db, cfg, changed, [])
    assert created
    expected = present.change_lines(q.get_post(db, post_id).changes)
    assert {label for label, _, _ in expected} == {"Nilai limit", "Kelipatan penawaran"}
    page, text = _page_lines(cfg, post_id)
    assert _show_lines(cfg, post_id) == page == expected
    assert "bid_increment" not in text and "limit_value" not in text


def test_a_digest_change_list_reads_the_same_in_both(project):
    cfg, db = project
    lots = [_stored(db, make_lot(f"lot-{i}")) for i in range(2)]
    q.sync_digest_post(db, cfg, OFFICE_ID, lots, [], week="2026-W11")
    post_id, created = q.sync_digest_post(db, cfg, OFFICE_ID, lots[:1], [], week="2026-W11")
    assert created
    expected = present.change_lines(q.get_post(db, post_id).changes)
    assert [label for label, _, _ in expected] == ["Lot dihapus"]
    page, text = _page_lines(cfg, post_id)
    assert _show_lines(cfg, post_id) == page == expected
    assert '<th scope="row">lots</th>' not in text


def test_a_lot_added_to_a_digest_reads_the_same_in_both(project):
    cfg, db = project
    lots = [_stored(db, make_lot(f"lot-{i}")) for i in range(2)]
    q.sync_digest_post(db, cfg, OFFICE_ID, lots[:1], [], week="2026-W11")
    post_id, created = q.sync_digest_post(db, cfg, OFFICE_ID, lots, [], week="2026-W11")
    assert created
    expected = present.change_lines(q.get_post(db, post_id).changes)
    assert [(label, before) for label, before, _ in expected] == [("Lot ditambahkan", "-")]
    page, text = _page_lines(cfg, post_id)
    assert _show_lines(cfg, post_id) == page == expected
    assert '<th scope="row">lots</th>' not in text


def test_an_old_change_row_without_a_label_gets_the_facts_name():
    assert present.change_lines([Change("deposit", "Rp1", "Rp2")]) == [
        ("Uang jaminan", "Rp1", "Rp2")]


def test_every_status_and_kind_has_a_word():
    assert set(present.POST_STATUSES) == set(q.STATUSES)
    assert set(present.POST_KINDS) == set(q.KINDS)
    from promo_pipeline.publish.deliveries import DELIVERY_STATUSES

    assert set(present.DELIVERY_STATUSES) == set(DELIVERY_STATUSES)
    assert present.post_status("pending") == "menunggu tinjauan"
    assert present.post_status("nonsense") == "nonsense"  # unknown values stay visible
    assert present.lint_summary([]) == "ok"
    assert present.lint_summary([{"level": "block"}, {"level": "warn"}, {"level": "warn"}]) \
        == "1 blokir, 2 peringatan"
