"""Outcomes: the final status of ended lots and re-listing detection, on real lelang.go.id titles
(tests/data/real) whose messiness is the point: generated land titles that two parcels share,
upper-case vehicle titles re-typed with other spacing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from real_lots import real_lots
from real_samples import segera_berakhir

from promo_pipeline import database, outcomes, present
from promo_pipeline.lots import LOT_ENDED, LOT_WITHDRAWN, Lot, save_lot
from promo_pipeline.outcomes import BY_CODE, BY_TITLE, Relisting, match_relistings

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def _lot(lot_id: str, title: str, *, ends: datetime, limit: int = 100_000_000,
         location: str | None = "KOTA AMBON", status: str = "active", code: str | None = None,
         starts: datetime | None = None, office: str = "off-ambon") -> Lot:
    return Lot(id=lot_id, office_id=office, office_name="KPKNL Ambon", title=title,
               limit_value=limit, deposit=limit // 5, ends_at=ends, starts_at=starts,
               url=f"https://lelang.go.id/kpknl/{office}/detail-auction/{lot_id}",
               location=location, status=status, code=code)


def _real(title_start: str) -> dict[str, str]:
    return next(r for r in segera_berakhir() if r["namaLotLelang"].startswith(title_start))


def test_two_parcels_with_one_generated_title_are_not_a_relisting():
    # Real: KPKNL Palembang listed two different parcels under the same generated title, two
    # days apart, at 161.9 and 350 million.
    rows = [r for r in segera_berakhir() if r["namaLotLelang"].startswith(
        "1 bidang tanah dengan total luas 90 m<sup>2</sup> berikut bangunan di Kota Palem")]
    assert len(rows) == 2
    lots = [_lot(f"p{i}", "1 bidang tanah dengan total luas 90 m² berikut bangunan di Kota "
                          "Palembang", ends=datetime.fromisoformat(r["tglSelesaiLelang"]),
                 limit=int(r["nilaiLimit"]), location="KOTA PALEMBANG", status=LOT_ENDED)
            for i, r in enumerate(rows)]
    assert match_relistings(lots) == []


def test_a_vehicle_listed_again_a_month_later_with_other_case_and_spacing():
    row = _real("1 (satu) unit mobil Pick Up Suzuki")
    end = datetime.fromisoformat(row["tglSelesaiLelang"])
    old = _lot("old", row["namaLotLelang"], ends=end, limit=int(row["nilaiLimit"]),
               status=LOT_ENDED, location="KAB. PENUKAL ABAB LEMATANG ILIR")
    new = _lot("new", row["namaLotLelang"].upper().replace(" ", "  "),
               ends=end + timedelta(days=35), starts=end + timedelta(days=28),
               limit=int(int(row["nilaiLimit"]) * 0.9),
               location="Kab. Penukal Abab Lematang Ilir")
    assert match_relistings([new, old]) == [Relisting("old", "new", BY_TITLE)]
    # At a higher limit it is another object; in another office too.
    dearer = dataclasses.replace(new, limit_value=int(row["nilaiLimit"]) * 2)
    assert match_relistings([old, dearer]) == []
    elsewhere = dataclasses.replace(new, office_id="off-lahat")
    assert match_relistings([old, elsewhere]) == []


def test_the_same_lot_code_links_whatever_the_title():
    end = datetime(2026, 10, 1, 9, tzinfo=UTC)
    old = _lot("a", "1 UNIT MOTOR GRADER KOMATSU", ends=end, code="QSCU9W", status=LOT_ENDED)
    new = _lot("b", "Motor grader Komatsu GD511A eks Dinas PU", ends=end + timedelta(days=30),
               code="qscu9w", starts=end + timedelta(days=25))
    other = _lot("c", "1 UNIT MOTOR GRADER KOMATSU", ends=end + timedelta(days=30), code="-",
                 starts=end + timedelta(days=25), limit=300_000_000)
    assert match_relistings([old, new, other]) == [Relisting("a", "b", BY_CODE)]


def test_lots_running_side_by_side_or_ambiguous_are_not_linked():
    title = "1 bidang tanah dengan total luas 270 m2 di Kota Ambon"  # real, generated
    end = datetime(2026, 10, 13, 1, tzinfo=UTC)
    a = _lot("a", title, ends=end, status=LOT_ENDED)
    b = _lot("b", title, ends=end + timedelta(hours=2), status=LOT_ENDED)
    later = _lot("c", title, ends=end + timedelta(days=40), starts=end + timedelta(days=33))
    # two old parcels, one new listing: which one came back is unknown
    assert match_relistings([a, b, later]) == []
    # one old parcel, the new listing opened before it closed: two objects
    early = dataclasses.replace(later, starts_at=end - timedelta(days=1))
    assert match_relistings([a, early]) == []
    # a withdrawn lot listed again is a re-listing
    withdrawn = dataclasses.replace(a, status=LOT_WITHDRAWN)
    assert match_relistings([withdrawn, early]) == [Relisting("a", "c", BY_TITLE)]
    # a chain: each listing links to the next
    again = _lot("d", title, ends=end + timedelta(days=80), starts=end + timedelta(days=70))
    assert match_relistings([a, later, again]) == [Relisting("a", "c", BY_TITLE),
                                                    Relisting("c", "d", BY_TITLE)]


def test_no_false_relisting_among_all_real_titles():
    lots = real_lots(NOW)
    assert len(lots) == 222
    ended = [dataclasses.replace(lot, status=LOT_ENDED,
                                 ends_at=lot.ends_at - timedelta(days=60)) for lot in lots]
    # The real catalogue against itself a month on: every lot is its own re-listing, except
    # where a title is shared (ambiguous) — never one lot linked to another object.
    later = [dataclasses.replace(lot, id=f"{lot.id}-2", starts_at=lot.ends_at - timedelta(
        days=5)) for lot in lots]
    found = match_relistings(ended + later)
    assert found and all(r.new == f"{r.old}-2" for r in found)
    assert len(found) >= 200


def test_refresh_stores_final_status_and_links_once(tmp_path):
    db = database.connect(tmp_path / "promo.db")
    end = datetime(2026, 10, 1, 2, tzinfo=UTC)
    old = _lot("old", "1 (satu) Unit Truck Mitsubihi, Colt Diesel", ends=end, status=LOT_ENDED)
    old = dataclasses.replace(old, source_status="TAYANG")
    new = _lot("new", "1 (SATU) UNIT TRUCK MITSUBIHI COLT DIESEL", ends=NOW + timedelta(days=5),
               starts=NOW - timedelta(days=2))
    running = _lot("run", "Sebidang tanah", ends=NOW + timedelta(days=3))
    for lot in (old, new, running):
        save_lot(db, lot, seen_at="2026-09-01T00:00:00+00:00")
    counts = outcomes.refresh(db, NOW)
    assert counts.to_json() == {"final_statuses": 1, "relistings": 1}
    got = outcomes.get_outcomes(db, ["old", "new", "run"])
    assert set(got) == {"old"}
    assert got["old"].final_status == "TAYANG" and got["old"].relisted_as == "new"
    assert got["old"].relisted and got["old"].relisted_by == BY_TITLE
    assert outcomes.relisted_from(db, "new") == "old"
    assert outcomes.relisted_from(db, "old") is None
    assert outcomes.refresh(db, NOW).to_json() == {"final_statuses": 0, "relistings": 0}


def test_the_review_page_says_a_lot_is_listed_again(tmp_path, monkeypatch):
    from review_fixtures import add_post, make_config, make_lot
    from review_fixtures import save_lot as save_review_lot
    from test_review import PASSWORD, login, make_app

    from promo_pipeline import accounts

    monkeypatch.setattr(accounts.users, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    monkeypatch.delenv("PROMO_SECRET_KEY", raising=False)
    cfg = make_config(tmp_path)
    db = database.connect(cfg.database_path)
    accounts.add_user(db, "ani", PASSWORD, role="admin")
    new = make_lot(1)
    save_review_lot(db, new)
    old = dataclasses.replace(new, id="old-lot", status=LOT_ENDED,
                              ends_at=new.ends_at - timedelta(days=40),
                              starts_at=None, limit_value=new.limit_value + 10_000_000)
    save_review_lot(db, old)
    post_id = add_post(db, cfg, new)
    client = make_app(cfg).test_client()
    assert login(client).status_code == 303
    before = client.get(f"/posts/{post_id}").get_data(as_text=True)
    assert "Dilelang ulang" not in before
    outcomes.link(db, [Relisting("old-lot", new.id, BY_TITLE)], at=NOW)
    page = client.get(f"/posts/{post_id}").get_data(as_text=True)
    # The words of present.relisted, which the captions use too (test_captions_relisting.py).
    assert f"{present.relisted('old-lot')}." in page and f"<dt>{present.relisted()}</dt>" in page
    assert "Dilelang ulang — lot sebelumnya old-lot" in page
    db.conn.close()


def test_ended_lots_are_asked_about_once_after_their_end(tmp_path, fake_lelang, cfg_factory):
    from promo_pipeline.demo.server import Fault

    cfg = cfg_factory(fake_lelang)
    db = database.connect(cfg.database_path)
    known = sorted(fake_lelang.dataset.details)[:2]
    end = NOW - timedelta(days=3)
    for lot_id in [*known, "gone-lot", "old-lot"]:
        save_lot(db, _lot(lot_id, f"Lot {lot_id}", status=LOT_ENDED,
                          ends=end if lot_id != "old-lot" else NOW - timedelta(days=40)),
                 seen_at="2026-11-01T00:00:00+00:00")
    outcomes.refresh(db, NOW)  # the last collected status first
    assert outcomes.get_outcomes(db, known)[known[0]].final_from == outcomes.FROM_LISTING
    fake_lelang.inject(f"/landing-page/info/{known[1]}", Fault.error(503), Fault.error(503),
                       Fault.error(503), Fault.error(503))
    counts = outcomes.follow_ended(cfg, db, NOW)
    assert counts == {"asked": 3, "recorded": 2, "failed": 1}  # not old-lot: ended 40 days ago
    got = outcomes.get_outcomes(db, [*known, "gone-lot"])
    status = fake_lelang.dataset.details[known[0]].get("status")
    assert got[known[0]].final_status == status and got[known[0]].final_from == "source"
    assert got["gone-lot"].final_status == outcomes.GONE
    assert got[known[1]].final_from == outcomes.FROM_LISTING
    # the next day only the failed one is asked again
    assert outcomes.follow_ended(cfg, db, NOW + timedelta(days=1)) == {
        "asked": 1, "recorded": 1, "failed": 0}
    db.conn.close()
