"""The monthly report: figures from a database seeded over two months (fixed instants) checked
against hand-computed values, month boundaries in WITA and WIT, --office scoping (reviewers
included), empty months, an office without channels, CSV = JSON, and ``promo report``."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from promo_pipeline import clock, database, outcomes, store
from promo_pipeline import config as config_mod
from promo_pipeline.cli import cli
from promo_pipeline.insights import samples
from promo_pipeline.lots import Lot, save_lot
from promo_pipeline.report import Month, build
from promo_pipeline.report.data import gather
from promo_pipeline.report.figures import compute

BIMA, JAYAPURA = "off-bima", "off-jpr"


def z(text: str) -> datetime:
    """An instant written in UTC: ``"11-02 01:00"`` is 2026-11-02T01:00Z."""
    month_day, hm = text.split()
    return datetime.fromisoformat(f"2026-{month_day}T{hm}:00+00:00")


def write_config(root: Path) -> Path:
    path = root / "config.toml"
    path.write_text(
        '[[offices]]\nid = "off-bima"\nname = "KPKNL Bima"\ntimezone = "Asia/Makassar"\n\n'
        '[[offices]]\nid = "off-jpr"\nname = "KPKNL Jayapura"\ntimezone = "Asia/Jayapura"\n\n'
        '[storage]\ndatabase = "data/promo.db"\nmedia_dir = "data/media"\n'
        'output_dir = "data/out"\n', encoding="utf-8")
    return path


def add_lot(db, lot_id: str, *, seen: str, ends: str, category: str, office: str = BIMA,
            title: str | None = None, limit: int = 100_000_000, deadline: str | None = None,
            starts: str | None = None, location: str = "KOTA BIMA") -> None:
    lot = Lot(id=lot_id, office_id=office, office_name="KPKNL", title=title or f"Lot {lot_id}",
              limit_value=limit, deposit=limit // 5, ends_at=z(ends), category=category,
              deposit_deadline=z(deadline) if deadline else None,
              starts_at=z(starts) if starts else None, location=location,
              url=f"https://lelang.go.id/kpknl/{office}/detail-auction/{lot_id}")
    save_lot(db, lot, seen_at=clock.iso(z(seen)))


def add_post(db, lot_id: str, *, created: str, status: str, image: str | None = None,
             office: str = BIMA) -> int:
    with store.write_tx(db):
        db["posts"].insert({
            "kind": "lot", "dedupe_key": f"lot:{lot_id}", "lot_id": lot_id,
            "lot_ids": json.dumps([lot_id]), "office_id": office, "version": 1,
            "content_hash": "h", "status": status, "images": json.dumps([image] if image else []),
            "captions": "{}", "lint": "[]", "blocking": 0, "created_at": clock.iso(z(created)),
            "updated_at": clock.iso(z(created))})
        return int(db.execute("select last_insert_rowid()").fetchone()[0])


def add_event(db, post_id: int, *, at: str, actor: str, to: str, reason: str | None = None,
              frm: str = "pending") -> None:
    with store.write_tx(db):
        db["post_events"].insert({"post_id": post_id, "at": clock.iso(z(at)), "actor": actor,
                                  "from_status": frm, "to_status": to, "reason": reason,
                                  "action": "transition"})


def add_delivery(db, post_id: int, channel: str, *, sent: str, remote: str) -> int:
    with store.write_tx(db):
        db["deliveries"].insert({"post_id": post_id, "channel": channel,
                                 "idem_key": f"{post_id}-{channel}", "status": "sent",
                                 "remote_id": remote, "sent_at": clock.iso(z(sent))})
        return int(db.execute("select last_insert_rowid()").fetchone()[0])


@pytest.fixture
def project(tmp_path):
    cfg = config_mod.load(write_config(tmp_path))
    db = database.connect(cfg.database_path)
    from PIL import Image

    img = cfg.output_dir / "render" / "L1" / "feed.jpg"
    img.parent.mkdir(parents=True)
    Image.new("RGB", (432, 540), (22, 48, 107)).save(img, "JPEG")
    # --- KPKNL Bima (WITA, UTC+8) ---
    add_lot(db, "L1", seen="10-20 00:00", ends="11-10 02:00", category="Tanah",
            deadline="11-08 02:00")
    p1 = add_post(db, "L1", created="10-25 00:00", status="published",
                  image="render/L1/feed.jpg")
    add_event(db, p1, at="10-25 06:00", actor="sari", to="approved")  # October's work
    d_fb = add_delivery(db, p1, "facebook", sent="11-02 01:00", remote="pg100_1")
    d_ig = add_delivery(db, p1, "instagram", sent="11-02 01:05", remote="media1")
    add_lot(db, "L2", seen="11-05 00:00", ends="11-20 03:00", category="Kendaraan",
            deadline="11-18 03:00")
    p2 = add_post(db, "L2", created="11-06 00:00", status="published")
    add_event(db, p2, at="11-06 12:00", actor="budi", to="approved")
    add_delivery(db, p2, "telegram", sent="11-19 01:00", remote="@kpknlbima/7")
    add_lot(db, "L3", seen="11-10 00:00", ends="11-25 02:00", category="Tanah",
            title="1 (SATU) UNIT TRUCK MITSUBISHI COLT DIESEL", location="KOTA BIMA")
    p3 = add_post(db, "L3", created="11-10 00:00", status="rejected")
    add_event(db, p3, at="11-10 04:00", actor="sari", to="rejected", reason="Foto buram")
    add_lot(db, "L4", seen="11-12 00:00", ends="11-28 02:00", category="Kendaraan")
    p4 = add_post(db, "L4", created="11-12 00:00", status="expired")
    add_event(db, p4, at="11-28 02:00", actor="system", to="expired")
    add_lot(db, "L5", seen="11-20 00:00", ends="12-15 02:00", category="Tanah")
    # ends 1 Nov 00:30 WITA: listed in November in Bima (it would be October in Jakarta)
    add_lot(db, "L7", seen="10-01 00:00", ends="10-31 16:30", category="Tanah")
    add_lot(db, "L6", seen="10-01 00:00", ends="10-30 02:00", category="Tanah")
    # first seen 1 Dec 00:30 WITA: December's
    add_lot(db, "L8", seen="11-30 16:30", ends="12-20 02:00", category="Tanah")
    p8 = add_post(db, "L8", created="11-30 16:30", status="approved")
    add_event(db, p8, at="11-30 17:00", actor="dewi", to="approved")  # 1 Dec 01:00 WITA
    # L3 listed again in December, same title and place, lower limit: it did not sell
    add_lot(db, "L9", seen="12-01 00:00", starts="12-20 00:00", ends="12-28 02:00",
            category="Tanah", title="1 (satu) unit Truck Mitsubishi Colt Diesel",
            location="Kota Bima", limit=90_000_000)
    # --- KPKNL Jayapura (WIT, UTC+9): lots, no channel, no post ---
    add_lot(db, "J1", seen="11-03 00:00", ends="11-15 00:00", category="Tanah", office=JAYAPURA)
    add_lot(db, "J2", seen="10-01 00:00", ends="10-31 15:30", category="Tanah",
            office=JAYAPURA)  # 1 Nov 00:30 WIT
    samples.record(db, delivery_id=d_fb, post_id=p1, channel="facebook", at=z("11-03 00:00"),
                   status="ok", metrics={"reach": 300, "interactions": 20})
    samples.record(db, delivery_id=d_fb, post_id=p1, channel="facebook", at=z("11-04 00:00"),
                   status="ok", metrics={"reach": 400, "views": 650, "reactions": 30,
                                         "comments": 6, "shares": 4, "clicks": 9,
                                         "interactions": 40})
    samples.record(db, delivery_id=d_ig, post_id=p1, channel="instagram", at=z("11-04 00:00"),
                   status="ok", metrics={"reach": 600, "views": 900, "reactions": 25,
                                         "comments": 2, "shares": 1, "saves": 2,
                                         "interactions": 30})
    samples.record(db, delivery_id=d_ig, post_id=p1, channel="instagram", at=z("11-05 00:00"),
                   status="error", note="token kedaluwarsa")
    outcomes.refresh(db, z("12-05 00:00"))
    yield cfg, db
    db.conn.close()


def figures(cfg, db, month: str, office: str | None):
    return compute(gather(db, cfg, Month.parse(month), office)).to_json()


def test_november_in_bima_by_hand(project):
    cfg, db = project
    f = figures(cfg, db, "2026-11", BIMA)
    assert (f["month"], f["office_id"], f["timezone"]) == ("2026-11", BIMA, "Asia/Makassar")
    assert f["lots_listed"] == 6          # L1 L2 L3 L4 L5 L7 (not L6, not L8)
    assert f["lots_promoted"] == 2        # L1 L2
    assert f["posts_published"] == 2
    assert f["by_channel"] == {
        "facebook": {"posts": 1, "reach": 400, "views": 650, "reactions": 30, "comments": 6,
                     "shares": 4, "saves": None, "clicks": 9, "interactions": 40,
                     "engagement_rate": 0.1, "with_numbers": 1},
        "instagram": {"posts": 1, "reach": 600, "views": 900, "reactions": 25, "comments": 2,
                      "shares": 1, "saves": 2, "clicks": None, "interactions": 30,
                      "engagement_rate": 0.05, "with_numbers": 1},
        "telegram": {"posts": 1, "reach": None, "views": None, "reactions": None,
                     "comments": None, "shares": None, "saves": None, "clicks": None,
                     "interactions": None, "engagement_rate": None, "with_numbers": 0},
    }
    # sari approved P1 in October: not November's work; dewi decided on 1 Dec WITA
    assert f["reviewers"] == {"budi": {"approved": 1, "rejected": 0,
                                       "median_hours_to_decision": 12.0},
                              "sari": {"approved": 0, "rejected": 1,
                                       "median_hours_to_decision": 4.0}}
    assert f["coverage"]["by_category"] == {"Kendaraan": {"listed": 2, "promoted": 1},
                                            "Tanah": {"listed": 4, "promoted": 1}}
    assert [(m["lot_id"], m["reason"]) for m in f["coverage"]["missed"]] == [
        ("L3", "rejected"), ("L4", "expired"), ("L5", "no_post"), ("L7", "no_post")]
    t = f["timeliness"]
    # L1: 2 Nov 01:00 → 10 Nov 02:00 = 8.04 days; L2: 19 Nov 01:00 → 20 Nov 03:00 = 1.08 days
    assert t["days_before_end"] == {"< 1 hari": 0, "1–3 hari": 1, "4–7 hari": 0,
                                    "8–14 hari": 1, "≥ 15 hari": 0}
    assert t["median_days_before_end"] == 4.6
    assert t["after_deposit_deadline"] == ["L2"]
    assert f["outcomes"] == {"promoted": {"ended": 2, "relisted": 0, "not_relisted": 2},
                             "not_promoted": {"ended": 3, "relisted": 1, "not_relisted": 2}}
    assert f["rejection_reasons"] == {"Foto buram": 1}
    assert [(t["post_id"], t["reach"]) for t in f["top_posts"]["instagram"]] == [(1, 600)]
    assert "telegram" not in f["top_posts"]


def test_december_and_an_empty_month(project):
    cfg, db = project
    dec = figures(cfg, db, "2026-12", BIMA)
    assert dec["reviewers"] == {"dewi": {"approved": 1, "rejected": 0,
                                         "median_hours_to_decision": 0.5}}
    assert dec["lots_listed"] == 3 and dec["lots_promoted"] == 0  # L5 L8 L9
    empty = figures(cfg, db, "2026-09", BIMA)
    assert (empty["lots_listed"], empty["lots_promoted"], empty["posts_published"]) == (0, 0, 0)
    assert empty["by_channel"] == {} and empty["reviewers"] == {}
    assert empty["timeliness"]["median_days_before_end"] is None


def test_month_bounds_follow_the_office_zone(project):
    cfg, db = project
    jpr = figures(cfg, db, "2026-11", JAYAPURA)
    # J2 ends 1 Nov 00:30 WIT: November's in Jayapura; none of Bima's lots or reviewers
    assert jpr["lots_listed"] == 2 and jpr["lots_promoted"] == 0
    assert jpr["by_channel"] == {} and jpr["reviewers"] == {} and jpr["posts_published"] == 0
    assert [m["reason"] for m in jpr["coverage"]["missed"]] == ["no_post", "no_post"]
    start, end = Month.parse("2026-11").bounds("Asia/Jayapura")
    assert (start.astimezone(UTC), end.astimezone(UTC)) == (z("10-31 15:00"), z("11-30 15:00"))
    # Every office at once: one month in the default zone (the first office's, WITA), where
    # J2's end (31 Oct 23:30 WITA) is October's.
    every = figures(cfg, db, "2026-11", None)
    assert every["lots_listed"] == 6 + 1 and every["office_id"] is None
    assert every["timezone"] == "Asia/Makassar"
    assert Month.last_complete(z("11-30 16:30"), "Asia/Makassar") == Month(2026, 11)
    assert Month.last_complete(z("11-30 16:30"), "Asia/Jakarta") == Month(2026, 10)
    assert Month.last_complete(datetime(2026, 1, 10, tzinfo=UTC), "Asia/Makassar") == Month(
        2025, 12)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _n(text: str):
    return None if text == "" else (float(text) if "." in text else int(text))


def test_csv_figures_equal_json_figures(project, tmp_path):
    cfg, db = project
    done = build(cfg, db, Month(2026, 11), BIMA, out=tmp_path / "out")
    f = done.figures.to_json()
    folder = tmp_path / "out"
    assert {p.name for p in done.csvs} == {p.name for p in folder.glob("*.csv")}
    summary = {r["kunci"]: _n(r["nilai"]) for r in _csv(folder / "ringkasan.csv")}
    assert summary == {"lots_listed": 6, "lots_promoted": 2, "posts_published": 2,
                       "median_days_before_end": 4.6, "after_deposit_deadline": 1}
    channels = {r["kanal"]: r for r in _csv(folder / "per_kanal.csv")}
    assert set(channels) == set(f["by_channel"])
    for ch, row in channels.items():
        want = f["by_channel"][ch]
        assert _n(row["unggahan"]) == want["posts"] and _n(row["jangkauan"]) == want["reach"]
        assert _n(row["interaksi"]) == want["interactions"]
        assert _n(row["tingkat_keterlibatan"]) == want["engagement_rate"]
    assert {r["peninjau"]: {"approved": _n(r["disetujui"]), "rejected": _n(r["ditolak"]),
                            "median_hours_to_decision": _n(r["median_jam_ke_keputusan"])}
            for r in _csv(folder / "peninjau.csv")} == f["reviewers"]
    assert {r["kategori"]: {"listed": _n(r["lot_tayang"]), "promoted": _n(r["lot_dipromosikan"])}
            for r in _csv(folder / "cakupan_per_kategori.csv")} == f["coverage"]["by_category"]
    assert [(r["id_lot"], r["alasan"]) for r in _csv(folder / "lot_terlewat.csv")] == [
        (m["lot_id"], m["reason_label"]) for m in f["coverage"]["missed"]]
    assert {r["rentang"]: _n(r["jumlah_lot"]) for r in _csv(folder / "ketepatan_waktu.csv")} \
        == f["timeliness"]["days_before_end"]
    groups = {r["kelompok"]: r for r in _csv(folder / "hasil_lelang.csv")}
    assert _n(groups["tidak dipromosikan"]["dilelang_ulang"]) == 1
    assert _n(groups["dipromosikan"]["lelang_berakhir"]) == 2
    assert {r["alasan"]: _n(r["jumlah"]) for r in _csv(folder / "alasan_penolakan.csv")} == {
        "Foto buram": 1}


def test_html_is_self_contained_indonesian_and_printable(project, tmp_path):
    cfg, db = project
    done = build(cfg, db, Month(2026, 11), BIMA, out=tmp_path / "out")
    html = done.html.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html  # nothing to fetch, no links
    assert '<html lang="id">' in html and "November 2026" in html
    assert "@page { size: A4" in html and "@media print" in html
    assert html.count('class="chart" src="data:image/png;base64,') >= 4
    assert 'class="thumb" src="data:image/jpeg;base64,' in html
    assert "bukan bukti sebab-akibat" in html and "Telegram tidak memberi" in html
    assert "1 November 2026" in html and "WITA" in html


def test_an_office_without_channels_or_data_still_gets_a_page(project, tmp_path):
    cfg, db = project
    done = build(cfg, db, Month(2026, 9), JAYAPURA, out=tmp_path / "sep")
    html = done.html.read_text(encoding="utf-8")
    assert "Tidak ada data bulan ini." in html and "September 2026" in html
    assert "KPKNL Jayapura" in html and "WIT" in html
    assert _csv(tmp_path / "sep" / "per_kanal.csv") == []


@pytest.mark.browser
def test_html_opens_offline_in_chromium_with_charts(project, tmp_path):
    from playwright.sync_api import sync_playwright

    cfg, db = project
    done = build(cfg, db, Month(2026, 11), BIMA, out=tmp_path / "out")
    requests, errors = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(done.html.as_uri())
            charts = page.eval_on_selector_all(
                "img.chart", "els => els.map(e => e.complete && e.naturalWidth)")
            pdf = page.pdf(format="A4")
        finally:
            browser.close()
    assert errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert len(charts) >= 4 and all(w and w > 300 for w in charts)
    assert pdf[:4] == b"%PDF"


def test_promo_report_command(project, tmp_path):
    cfg, _db = project
    runner = CliRunner()
    base = ["--config", str(cfg.path)]
    done = runner.invoke(cli, [*base, "report", "--month", "2026-11", "--office", BIMA,
                               "--json", "--out", str(tmp_path / "r")])
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert {"month", "office_id", "lots_listed", "lots_promoted", "posts_published",
            "by_channel", "reviewers"} <= set(data)
    assert data["lots_promoted"] == 2 and (tmp_path / "r" / "laporan-2026-11.html").is_file()
    with clock.use(z("11-30 16:30")):  # 1 Dec 00:30 WITA: November is complete in Bima
        done = runner.invoke(cli, [*base, "report", "--office", BIMA])
    assert done.exit_code == 0, done.output
    assert "Laporan November 2026" in done.output and "laporan" in done.output
    assert (cfg.output_dir / "laporan" / f"2026-11-{BIMA}" / "laporan-2026-11.html").is_file()
    bad = runner.invoke(cli, [*base, "report", "--month", "2026-13"])
    assert bad.exit_code == 2 and "bulan tidak sah" in bad.output
    unknown = runner.invoke(cli, [*base, "report", "--office", "nope"])
    assert unknown.exit_code == 2 and "tidak ada di konfigurasi" in unknown.output


def test_the_daemon_sends_last_months_report_on_the_first(project, monkeypatch):
    import dataclasses

    from fake_platforms import TELEGRAM_TOKEN, FakePlatforms
    from test_notify import Mailbox  # the real SMTP server of the notification tests

    from promo_pipeline.schedule import Jobs

    cfg, _db = project
    box = Mailbox()
    from aiosmtpd.controller import Controller
    from test_notify import free_port

    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    fake = FakePlatforms().start()
    monkeypatch.setenv("PROMO_TELEGRAM_TOKEN", TELEGRAM_TOKEN)
    try:
        r = dataclasses.replace
        cfg = r(cfg, notify=r(cfg.notify, email=r(cfg.notify.email, host="127.0.0.1", port=port,
                                                   starttls=False, from_="promo@kpknl.example"),
                              telegram=r(cfg.notify.telegram, api_base=fake.url)),
                report=r(cfg.report, email_to=["kepala@kpknl.example"],
                         telegram_chat_id="-100300"))
        with clock.use(z("11-30 23:00")):  # 1 Dec 07:00 WITA, 08:00 WIT
            Jobs(cfg, lock_wait=5).monthly_report()
    finally:
        fake.stop()
        controller.stop()
    assert len(box.messages) == 2  # one per office
    subjects = sorted(m["msg"]["Subject"] for m in box.messages)
    assert subjects == ["[Promo] Laporan promosi November 2026 — KPKNL Bima",
                        "[Promo] Laporan promosi November 2026 — KPKNL Jayapura"]
    mail = next(m for m in box.messages if "Bima" in m["msg"]["Subject"])
    assert mail["to"] == ["kepala@kpknl.example"]
    names = [a.get_filename() for a in mail["msg"].iter_attachments()]
    assert names[0] == "laporan-2026-11.html" and "per_kanal.csv" in names and len(names) == 11
    assert "6 lot tayang, 2 dipromosikan" in mail["msg"].get_body(("plain",)).get_content()
    docs = [m for m in fake.telegram if m["method"] == "sendDocument"]
    assert len(docs) == 2 and all(d["chat_id"] == "-100300" for d in docs)
    assert docs[0]["document"].startswith(b"<!DOCTYPE html>") and fake.violations == []


def test_no_recipients_no_monthly_report(project):
    from promo_pipeline.schedule import _monthly_report

    cfg, db = project
    assert _monthly_report(cfg, db) == {}
    assert not (cfg.output_dir / "laporan").exists()


def test_laporan_page_for_admins(project, monkeypatch):
    from test_review import PASSWORD, login, make_app

    from promo_pipeline import accounts

    cfg, db = project
    monkeypatch.setattr(accounts.users, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    monkeypatch.delenv("PROMO_SECRET_KEY", raising=False)
    accounts.add_user(db, "ani", PASSWORD, role="admin")
    accounts.add_user(db, "budi", PASSWORD, role="reviewer")
    app = make_app(cfg)
    admin, reviewer = app.test_client(), app.test_client()
    assert login(admin).status_code == 303 and login(reviewer, "budi").status_code == 303
    assert "Laporan</a>" in admin.get("/queue").get_data(as_text=True)
    assert "Laporan</a>" not in reviewer.get("/queue").get_data(as_text=True)
    assert reviewer.get("/laporan?month=2026-11").status_code == 403
    resp = admin.get(f"/laporan?month=2026-11&office={BIMA}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "Laporan promosi lelang — November 2026" in page and "KPKNL Bima" in page
    assert "<script" not in page and "script-src" not in resp.headers["Content-Security-Policy"]
    assert 'value="2026-11" selected' in page and "Semua kantor" in page
    assert "lot dipromosikan (33%)" in page  # the same figures as the file: 2 of 6
    assert admin.get("/laporan?month=2026-13").status_code == 400
    assert admin.get("/laporan?office=nope").status_code == 404
    assert not (cfg.output_dir / "laporan").exists()  # the page writes nothing
