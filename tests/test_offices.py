"""One install for several offices (issue 16): each office's own brand kit and channels.

Two offices in different zones and brands, KPKNL Bima (WITA, the top-level ``[brand]``) and
KPKNL Dompu (``[offices.brand]`` / ``[offices.publish]`` of its own): the config merges key by
key, images carry each office's colour, captions its handle, hashtags and phone (not flagged as
personal data), and Dompu's post goes to Dompu's Telegram chat with Dompu's token.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from conftest import to_toml
from fake_platforms import FakePlatforms, make_jpeg
from PIL import Image, ImageChops

from promo_pipeline import cli as cli_mod
from promo_pipeline import config as config_mod
from promo_pipeline import database, render, store
from promo_pipeline.captions import captions_for_lot, lint_for
from promo_pipeline.config.secrets import Redactor, channel_secrets, secret_values
from promo_pipeline.errors import ConfigError, config_text
from promo_pipeline.lots import Item, Lot, save_lot
from promo_pipeline.publish.outbox import publish

BIMA = "0b1a0000-0000-4000-8000-000000000001"
DOMPU = "d0d0-7a11"
WIB = timezone(timedelta(hours=7))
NOW = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
BIMA_PRIMARY, DOMPU_PRIMARY = "#16306B", "#B0222E"
DOMPU_TOKEN = "777000:DOMPU-only-SECRET-token"


def office_data(tmp_path, *, fake_url: str = "http://127.0.0.1:9", **extra) -> dict:
    data = {
        "offices": [
            {"id": BIMA, "name": "KPKNL Bima", "timezone": "Asia/Makassar"},
            {"id": DOMPU, "name": "KPKNL Dompu", "timezone": "Asia/Makassar",
             "secret_suffix": "dompu",
             "brand": {"name": "KPKNL Dompu", "handle": "@kpknldompu",
                       "primary_color": DOMPU_PRIMARY, "phone": "0373-21155",
                       "hashtags": ["#KPKNLDompu", "#LelangNegara"]},
             "publish": {"channels": ["telegram"], "telegram": {"chat_id": "@lelangdompu"}}},
        ],
        "storage": {"database": "data/promo.db", "media_dir": "data/media",
                    "output_dir": "data/out"},
        "brand": {"name": "KPKNL Bima", "handle": "@kpknlbima", "primary_color": BIMA_PRIMARY,
                  "accent_color": "#F5B700", "phone": "0374-5550115",
                  "contact": "KPKNL Bima, Jl. Gajah Mada", "hashtags": ["#KPKNLBima"]},
        "render": {"workers": 1},
        "publish": {"channels": ["export"], "slots": [], "timeout": 2.0, "backoff_base": 0.1,
                    "telegram": {"chat_id": "@kpknlbima", "api_base": fake_url,
                                 "min_interval": 0.0}},
    }
    data.update(extra)
    return data


def load(tmp_path, data: dict) -> config_mod.Config:
    path = tmp_path / "config.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    return config_mod.load(path)


def make_lot(lot_id: str, office_id: str, office_name: str, **kw) -> Lot:
    data = dict(
        id=lot_id, office_id=office_id, office_name=office_name,
        title="1 (satu) unit Mobil Toyota Avanza 1.3 G M/T Tahun 2015 warna Hitam",
        limit_value=98_500_000, deposit=29_550_000,
        ends_at=datetime.now(WIB).replace(microsecond=0, second=0) + timedelta(days=10),
        deposit_deadline=None,
        url=f"https://lelang.go.id/kpknl/{office_id}/detail-auction/{lot_id}",
        category="Mobil", location="KAB. DOMPU", bidding_method="OPEN_BIDDING",
        items=(Item(name="Toyota Avanza 1.3 G M/T", year="2015"),),
    )
    data.update(kw)
    return Lot(**data)


# --- config ---------------------------------------------------------------------------------------


def test_office_tables_merge_key_by_key_over_the_top_level(tmp_path):
    cfg = load(tmp_path, office_data(tmp_path, fake_url="http://127.0.0.1:8081"))
    bima, dompu = cfg.brand_for(BIMA), cfg.brand_for(DOMPU)
    assert bima is cfg.brand and bima.handle == "@kpknlbima"
    assert (dompu.name, dompu.handle, dompu.primary_color) == (
        "KPKNL Dompu", "@kpknldompu", DOMPU_PRIMARY)
    # Unset keys inherit from [brand]; a list replaces the top-level one whole.
    assert dompu.accent_color == "#F5B700" and dompu.contact == "KPKNL Bima, Jl. Gajah Mada"
    assert dompu.hashtags == ["#KPKNLDompu", "#LelangNegara"]
    # [offices.publish.telegram] set only chat_id: api_base and min_interval are the top level's.
    pub = cfg.publish_for(DOMPU)
    assert pub.channels == ["telegram"] and pub.timeout == 2.0 and pub.slots == []
    tg = pub.section("telegram")
    assert (tg.chat_id, tg.api_base, tg.min_interval) == (
        "@lelangdompu", "http://127.0.0.1:8081", 0.0)
    assert cfg.publish_for(BIMA) is cfg.publish
    assert cfg.publish.section("telegram").chat_id == "@kpknlbima"
    # An office, or no office, that is not configured gets the top level.
    assert cfg.brand_for("elsewhere") is cfg.brand and cfg.publish_for(None) is cfg.publish


@pytest.mark.parametrize(("office", "message"), [
    ({"brand": {"colour": "#000000"}}, "unknown config key 'offices[1].brand.colour'"),
    ({"brand": {"primary_color": "merah"}}, "'offices[1].brand.primary_color' must be a colour"),
    ({"brand": "KPKNL Dompu"}, "'offices[1].brand' must be a table"),
    ({"publish": {"chanels": ["telegram"]}}, "unknown config key 'offices[1].publish.chanels'"),
    ({"publish": {"channels": ["tiktok"]}}, "'offices[1].publish.channels[0]' must be one of"),
    ({"publish": {"telegram": {"chat": "@x"}}},
     "unknown config key 'offices[1].publish.telegram.chat'"),
    ({"publish": {"slots": ["9 pagi"]}}, "'offices[1].publish.slots[0]' must be a time"),
    ({"secret_suffix": "!!"}, "'offices[1].secret_suffix' must give each office"),
])
def test_a_bad_office_key_is_named_and_exits_2(tmp_path, office, message):
    data = office_data(tmp_path)
    data["offices"][1] = {"id": DOMPU, "name": "KPKNL Dompu", **office}
    with pytest.raises(ConfigError) as err:
        load(tmp_path, data)
    assert message in str(err.value)
    result = CliRunner().invoke(cli_mod.cli, ["--config", str(tmp_path / "config.toml"),
                                              "lots"])
    # Staff read the checks' sentence in Indonesian (errors.config_text), the key as written.
    assert result.exit_code == 2 and result.stderr == f"Galat: {config_text(str(err.value))}\n"
    assert "Traceback" not in result.output


def test_secrets_per_office_fall_back_to_the_unsuffixed_variable(tmp_path, monkeypatch):
    cfg = load(tmp_path, office_data(tmp_path))
    bima, dompu = cfg.office(BIMA), cfg.office(DOMPU)
    assert dompu.env_suffix == "DOMPU"
    assert bima.env_suffix == "0B1A0000_0000_4000_8000_000000000001"  # from the id
    monkeypatch.setenv("PROMO_TELEGRAM_TOKEN", "111:install-token")
    monkeypatch.delenv("PROMO_TELEGRAM_TOKEN_DOMPU", raising=False)
    assert channel_secrets("telegram", dompu) == {"PROMO_TELEGRAM_TOKEN": "111:install-token"}
    monkeypatch.setenv("PROMO_TELEGRAM_TOKEN_DOMPU", DOMPU_TOKEN)
    assert channel_secrets("telegram", dompu) == {"PROMO_TELEGRAM_TOKEN": DOMPU_TOKEN}
    assert channel_secrets("telegram", bima) == {"PROMO_TELEGRAM_TOKEN": "111:install-token"}
    # Every office's token is scrubbed from logs and messages.
    assert Redactor(secret_values())(f"/bot{DOMPU_TOKEN}/sendPhoto") == "/bot***/sendPhoto"


# --- render, captions, lint -----------------------------------------------------------------------


def test_each_office_gets_its_own_colours_name_and_cache_key(tmp_path):
    cfg = load(tmp_path, office_data(tmp_path))
    db = database.connect(cfg.database_path)
    try:
        lots = [make_lot("lot-b", BIMA, "KPKNL Bima"), make_lot("lot-d", DOMPU, "KPKNL Dompu")]
        for lot in lots:
            save_lot(db, lot, seen_at=NOW.isoformat())
        images = {i.lot_id: i for i in render.render_batch(cfg, db, lots, formats=["feed"],
                                                           now=NOW).images}
        bima = Image.open(images["lot-b"].path).convert("RGB")
        dompu = Image.open(images["lot-d"].path).convert("RGB")
        assert ImageChops.difference(bima, dompu).getbbox() is not None
        for im, colour in ((bima, BIMA_PRIMARY), (dompu, DOMPU_PRIMARY)):
            want = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
            got = im.getpixel((540, 1346))  # the footer band is the primary colour
            assert all(abs(a - b) <= 14 for a, b in zip(got, want, strict=True)), (got, colour)
        # Same lot facts under another office's brand: another image (the brand is in the key).
        kits = render.brand.brand_kit(cfg, BIMA), render.brand.brand_kit(cfg, DOMPU)
        assert kits[0].key != kits[1].key
        assert kits[1].values["brand_name"] == "KPKNL Dompu"
        moved = replace(lots[0], office_id=DOMPU, office_name="KPKNL Dompu")
        save_lot(db, moved, seen_at=NOW.isoformat())
        (again,) = render.render_lot(cfg, db, moved, formats=["feed"], now=NOW)
        assert again.rendered and again.path != images["lot-b"].path
    finally:
        db.close()


def test_captions_carry_each_offices_handle_hashtags_and_phone(tmp_path):
    cfg = load(tmp_path, office_data(tmp_path))
    made = {}
    for lot in (make_lot("lot-b", BIMA, "KPKNL Bima"), make_lot("lot-d", DOMPU, "KPKNL Dompu")):
        captions = {ch: c.text for ch, c in captions_for_lot(cfg, lot).items()}
        made[lot.office_id] = captions["instagram"]
        findings = lint_for(cfg, captions, lots=[lot])
        # The office's own phone is not personal data.
        assert not [f for f in findings if f["code"] == "personal_phone"], findings
    assert "@kpknldompu" in made[DOMPU] and "#KPKNLDompu" in made[DOMPU]
    assert "0373-21155" in made[DOMPU] or "0373 21155" in made[DOMPU]
    assert "@kpknlbima" not in made[DOMPU] and "#KPKNLBima" not in made[DOMPU]
    assert "@kpknlbima" in made[BIMA] and "#KPKNLBima" in made[BIMA]
    assert "@kpknldompu" not in made[BIMA]
    # Bima's phone in a Dompu caption is somebody else's number: flagged.
    lot = make_lot("lot-d", DOMPU, "KPKNL Dompu")
    text = made[DOMPU] + "\nInfo: 0812-3456-7890"
    codes = [f["code"] for f in lint_for(cfg, {"instagram": text}, lots=[lot])]
    assert "personal_phone" in codes, codes


# --- publish --------------------------------------------------------------------------------------


def _approved_post(db, cfg, lot: Lot) -> int:
    rel = f"render/{lot.id}/feed-0.jpg"
    make_jpeg(cfg.output_dir / rel, (432, 540), (22, 48, 107))
    save_lot(db, lot, seen_at=datetime.now(UTC).isoformat())
    text = f"LELANG {lot.title}\nNilai limit Rp98.500.000\n{lot.url}"
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with store.write_tx(db):
        db["posts"].insert({
            "kind": "lot", "dedupe_key": f"lot:{lot.id}:1", "lot_id": lot.id,
            "lot_ids": json.dumps([lot.id]), "office_id": lot.office_id, "version": 1,
            "content_hash": "h", "status": "approved", "images": json.dumps([rel]),
            "captions": json.dumps({"instagram": text, "telegram": text}), "lint": "[]",
            "blocking": 0, "approved_by": "sari", "approved_at": now, "created_at": now,
            "updated_at": now})
        return db.execute("select last_insert_rowid()").fetchone()[0]


def test_a_dompu_post_goes_to_dompus_chat_with_dompus_token(tmp_path, monkeypatch):
    fake = FakePlatforms().start()
    try:
        fake.tokens["telegram"] = DOMPU_TOKEN  # the install's token would be refused
        monkeypatch.setenv("PROMO_TELEGRAM_TOKEN", "111:install-token")
        monkeypatch.setenv("PROMO_TELEGRAM_TOKEN_DOMPU", DOMPU_TOKEN)
        cfg = load(tmp_path, office_data(tmp_path, fake_url=fake.url))
        db = database.connect(cfg.database_path)
        try:
            bima_post = _approved_post(db, cfg, make_lot("lot-b", BIMA, "KPKNL Bima"))
            dompu_post = _approved_post(db, cfg, make_lot("lot-d", DOMPU, "KPKNL Dompu"))
            summary = publish(cfg, db, now=True, notify=False)
            assert fake.violations == []
            (msg,) = fake.telegram
            assert msg["chat_id"] == "@lelangdompu" and "lot-d" in msg["caption"]
            sent = {(o.post_id, o.channel, o.status) for o in summary.outcomes}
            assert sent == {(dompu_post, "telegram", "sent"), (bima_post, "export", "sent")}
            # Bima's post went to the install's export folder only.
            (meta,) = (cfg.output_dir / "outbox").glob("*/*/post.json")
            assert json.loads(meta.read_text(encoding="utf-8"))["office_id"] == BIMA
        finally:
            db.close()
    finally:
        fake.stop()


def test_an_office_without_its_token_stops_publishing_naming_its_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMO_TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("PROMO_TELEGRAM_TOKEN_DOMPU", raising=False)
    cfg = load(tmp_path, office_data(tmp_path))
    db = database.connect(cfg.database_path)
    try:
        with pytest.raises(ConfigError) as err:
            publish(cfg, db, now=True, notify=False)
    finally:
        db.close()
    assert "PROMO_TELEGRAM_TOKEN_DOMPU (or PROMO_TELEGRAM_TOKEN)" in str(err.value)


# --- promo offices --configured -------------------------------------------------------------------


def test_promo_offices_configured_lists_brand_channels_and_reviewers(tmp_path, monkeypatch):
    from promo_pipeline import accounts

    monkeypatch.setattr(accounts.users, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    cfg = load(tmp_path, office_data(tmp_path))
    db = database.connect(cfg.database_path)
    try:
        accounts.add_user(db, "kanwil", "kata-sandi-rahasia", role="admin")
        accounts.add_user(db, "dompu1", "kata-sandi-rahasia", offices=[DOMPU])
        accounts.add_user(db, "dompu2", "kata-sandi-rahasia", offices=[DOMPU])
    finally:
        db.close()
    path = str(tmp_path / "config.toml")
    result = CliRunner().invoke(cli_mod.cli, ["--config", path, "offices", "--configured",
                                              "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.output)}
    bima, dompu = rows[BIMA], rows[DOMPU]
    assert (bima["brand"]["handle"], bima["brand"]["own"], bima["reviewers"]) == (
        "@kpknlbima", False, 1)
    assert (dompu["brand"]["handle"], dompu["brand"]["primary_color"], dompu["brand"]["own"]) == (
        "@kpknldompu", DOMPU_PRIMARY, True)
    assert dompu["reviewers"] == 3 and dompu["secret_suffix"] == "DOMPU"
    assert bima["channels"] == [{"name": "export", "target": ""}]
    assert dompu["channels"] == [{"name": "telegram", "target": "@lelangdompu"}]
    assert dompu["own_channels"] and not bima["own_channels"]
    text = CliRunner().invoke(cli_mod.cli, ["--config", path, "offices", "--configured",
                                            "--search", "dompu"], env={"COLUMNS": "250"})
    assert text.exit_code == 0 and "@lelangdompu" in text.output
    assert "KPKNL Bima" not in text.output


def test_a_platform_quota_counts_the_posts_of_the_account_it_belongs_to(tmp_path):
    """Instagram's 24-hour limit is per account: Dompu's own account counts Dompu's posts, the
    install's account every other office's."""
    from promo_pipeline.publish import deliveries
    from promo_pipeline.publish.channels import DeliveryJob
    from promo_pipeline.publish.outbox import _Runner
    from promo_pipeline.publish.results import PublishSummary

    cfg = load(tmp_path, office_data(tmp_path))
    db = database.connect(cfg.database_path)
    try:
        now = datetime.now(UTC)
        sent = {}
        for n, (office, minutes) in enumerate(((BIMA, 50), (DOMPU, 40), (DOMPU, 30), ("", 20))):
            lot = make_lot(f"lot-{n}", office or BIMA, "x")
            post_id = _approved_post(db, cfg, lot)
            at = now - timedelta(minutes=minutes)
            with store.write_tx(db):
                delivery = deliveries.insert_queued(db, post_id, "instagram", f"k{n}",
                                                    {"office_id": office or None}, at)
                db.execute("update deliveries set status = 'sent', sent_at = ? where id = ?",
                           [deliveries.iso(at), delivery])
            sent.setdefault(office, []).append(at.replace(microsecond=0))
        runner = _Runner(cfg, db, {}, lambda: now, lambda _s: None, PublishSummary(now=True),
                         {DOMPU: {}})

        def seen(office: str | None) -> list[datetime]:
            job = DeliveryJob(1, 1, "instagram", "k", {"office_id": office})
            return runner.ctx(job).sent_since(now - timedelta(days=1))

        assert seen(DOMPU) == sent[DOMPU]
        assert seen(BIMA) == seen(None) == sorted(sent[BIMA] + sent[""])
    finally:
        db.close()
