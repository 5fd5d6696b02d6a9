"""The offline demo: the bundled data set, the drawn photos and `promo run --demo` end to end."""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image, ImageStat

from promo_pipeline import accounts, database, imagesafe
from promo_pipeline import config as config_mod
from promo_pipeline.cli import cli
from promo_pipeline.demo import (
    MARKER,
    build_dataset,
    demo_office,
    load_spec,
    photos,
)
from promo_pipeline.demo.photos import photo_jpeg
from promo_pipeline.demo.server import DEMO_PORT
from promo_pipeline.lots import list_lots
from promo_pipeline.photos import usable_paths

SAMPLES = Path(__file__).parent / "data" / "lelang"
OFFICE = "0b1a0000-0000-4000-8000-000000000001"
DOMPU = "0b1a0000-0000-4000-8000-00000000d0b0"  # the second demo office, with its own brand
TODAY = date(2026, 3, 1)
CATEGORIES = {"Mobil", "Motor", "Tanah", "Rumah", "Besi Tua", "Elektronik"}
WIB = timedelta(hours=7)


@pytest.fixture(scope="module")
def dataset():
    return build_dataset(TODAY)


def _items(ds) -> list[dict[str, Any]]:
    """Every office's listing items, office by office."""
    return [i for o in ds.offices for i in ds.listings.get(o["id"], [])]


def _owner(item: dict[str, Any]) -> tuple[str, str]:
    return (DOMPU, "KPKNL Dompu") if item["namaLokasi"] == "KAB. DOMPU" else (OFFICE,
                                                                              "KPKNL Bima")


def _barangs(detail: dict[str, Any]) -> list[dict[str, Any]]:
    content = detail["content"]
    if "barangs" in content:
        return content["barangs"]
    return content["lot"]["barang"]


def _expected_photos(item: dict[str, Any], file_base: str) -> list[str]:
    """Source URLs the collector must store: deleted ones left out, the cover first."""
    live = [p for p in item["photos"] if not p["deletedAt"]]
    cover = next((p for p in live if p["iscover"]), live[0] if live else None)
    ordered = [cover, *[p for p in live if p is not cover]] if cover else []
    return [file_base + p["file"]["fileUrl"] for p in ordered]


def _all_strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _all_strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _all_strings(v)]
    return [node] if isinstance(node, str) else []


# --- the data set --------------------------------------------------------------------------------


def test_dataset_has_at_least_12_lots_of_two_offices_over_the_six_categories(dataset):
    assert [o["id"] for o in dataset.offices] == [OFFICE, DOMPU]
    assert [o["nama"] for o in dataset.offices] == ["KPKNL Bima", "KPKNL Dompu"]
    assert len(dataset.listings[OFFICE]) >= 10 and len(dataset.listings[DOMPU]) >= 3
    assert demo_office()["timezone"] == "Asia/Makassar"
    items = _items(dataset)
    ids = [i["lotLelangId"] for i in items]
    assert len(ids) >= 12 and len(set(ids)) == len(ids)
    assert set(dataset.details) == set(ids)
    assert set(dataset.categories.values()) == CATEGORIES
    assert all(dataset.categories[i] for i in ids)
    assert CATEGORIES <= set(dataset.kategori)
    for item in items:
        assert (item["unitKerjaId"], item["namaUnitKerja"]) == _owner(item)
        detail = dataset.details[item["lotLelangId"]]
        assert detail.get("unitKerjaId", item["unitKerjaId"]) == _owner(item)[0]
        assert detail.get("namaUnitKerja", item["namaUnitKerja"]) == _owner(item)[1]
        assert detail["namaKategoriLelang"] == dataset.categories[item["lotLelangId"]]


@pytest.mark.parametrize("today", [date(2026, 3, 1), date(2027, 12, 30), date(2028, 2, 28)])
def test_every_lot_is_upcoming_relative_to_the_given_today(today):
    ds = build_dataset(today)
    day_end = datetime.combine(today, time(23, 59)).replace(tzinfo=None)
    ends = []
    for item in _items(ds):
        detail = ds.details[item["lotLelangId"]]
        end = datetime.fromisoformat(item["tglSelesaiLelang"])
        start = datetime.fromisoformat(item["tglMulaiLelang"])
        deadline = datetime.fromisoformat(detail["tanggalBatasJaminan"])
        assert end.utcoffset() == WIB == start.utcoffset() == deadline.utcoffset()
        assert end.replace(tzinfo=None) > day_end, item["lotLelangId"]
        assert start < end
        assert deadline == end - timedelta(days=1)
        assert deadline.date() > today  # the deposit can still be paid
        assert time(9, 0) <= end.time() <= time(14, 0) and end.minute in (0, 30)
        assert detail["tglSelesaiLelang"] == item["tglSelesaiLelang"]
        assert detail["tglMulaiLelang"] == item["tglMulaiLelang"]
        ends.append(end)
    for office in ds.offices:
        listed = [datetime.fromisoformat(i["tglSelesaiLelang"])
                  for i in ds.listings[office["id"]]]
        assert listed == sorted(listed), "each listing is in catalogue order (by closing time)"
    assert any((e.date() - today).days <= 3 for e in ends), "one lot must be urgent"


def test_lots_are_in_the_real_api_shapes(dataset):
    sample_item = json.loads((SAMPLES / "listing_kpknl_page1.json").read_text())["data"][0]
    sample_detail = json.loads((SAMPLES / "detail_mobil_content_barangs.json").read_text())["data"]
    variants = 0
    for item in _items(dataset):
        assert set(item) == set(sample_item)
        detail = dataset.details[item["lotLelangId"]]
        assert detail["id"] == item["lotLelangId"]
        for key in ("namaLotLelang", "nilaiLimit", "uangJaminan", "namaLokasi", "status"):
            assert detail[key] == item[key], (item["lotLelangId"], key)
        assert detail["photos"] == item["photos"]
        assert set(detail["content"]) >= {"seller", "organizer"}
        if "lot" in detail["content"]:
            variants += 1
            assert "unitKerjaId" not in detail  # like the doubtful variant in the reference
            assert all("namaBarang" in b and "nama" not in b for b in _barangs(detail))
        else:
            assert set(detail) == set(sample_detail)
            assert all("nama" in b for b in _barangs(detail))
        assert all(re.fullmatch(r"[0-9a-f-]{36}", b["id"]) for b in _barangs(detail))
        for key in ("nilaiLimit", "uangJaminan", "kelipatanBid"):
            assert isinstance(detail[key], str) and detail[key].isdigit()
        assert re.fullmatch(r"[A-Z0-9]{6}", detail["kodeLot"])
    assert variants >= 1


def test_money_and_deposits_are_realistic(dataset):
    limits = []
    for item in _items(dataset):
        limit, deposit = int(item["nilaiLimit"]), int(item["uangJaminan"])
        assert 2_500_000 <= limit <= 1_200_000_000
        assert 0.2 <= deposit / limit <= 0.5, item["lotLelangId"]
        limits.append(limit)
    assert min(limits) == 2_500_000 and max(limits) == 1_200_000_000


def test_text_carries_html_and_entities_like_the_real_site(dataset):
    texts = [s for d in dataset.details.values() for s in _all_strings(d)]
    titles = [i["namaLotLelang"] for i in _items(dataset)]
    assert any("m<sup>2</sup>" in t for t in titles)
    assert any("&quot;" in t or "&amp;" in t for t in titles)
    assert any("&plusmn;" in t for t in texts)
    assert any("<br>" in t for t in texts) and any("<li>" in t for t in texts)


def test_no_personal_data_in_the_demo_data():
    spec = load_spec()
    strings = _all_strings(spec)
    blob = "\n".join(strings)
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", blob), "no NIK-like 16-digit numbers"
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", blob), "no e-mail addresses"
    assert not re.search(r"\ba\.\s?n\.", blob, re.IGNORECASE), "no 'a.n.' debtor names"
    phones = [v for lot in spec["lots"] for v in (
        lot["detail"]["content"]["seller"]["nomorTelepon"],
        lot["detail"]["content"]["organizer"]["nomorTelepon"]) if v is not None]
    assert phones and all(re.fullmatch(r"03\d\d-555\d{4}", p) for p in phones)
    for lot in spec["lots"]:
        seller = lot["detail"]["content"]["seller"]
        # Sellers are agencies and banks, named by office, never by a person's name.
        assert re.match(r"(Kepala|Pimpinan|Sekretaris)\b", seller["namaPenjual"])


# --- photos -------------------------------------------------------------------------------------


def test_photos_are_valid_jpegs_of_the_right_size_and_not_blank(dataset):
    assert dataset.files
    for path, data in dataset.files.items():
        assert path.startswith("photo_barang/") and path.endswith(".jpg")
        fmt, w, h = imagesafe.probe(data)
        assert (fmt, w, h) == ("JPEG", photos.WIDTH, photos.HEIGHT)
        im = Image.open(io.BytesIO(data))
        stat = ImageStat.Stat(im)
        assert min(stat.stddev) > 20, f"{path} looks blank: {stat.stddev}"
        # Texture: neighbouring pixels differ, unlike flat clip-art.
        row = im.convert("L").crop((0, 0, 1000, 200)).tobytes()
        flat = sum(1 for a, b in itertools.pairwise(row) if a == b)
        assert flat < 0.5 * len(row)


def test_photo_specs_cover_some_lots_with_several_photos_and_some_with_none(dataset):
    counts = []
    for item in _items(dataset):
        live = [p for p in item["photos"] if not p["deletedAt"]]
        counts.append(len(live))
        if live:
            assert sum(p["iscover"] for p in live) == 1
        for p in item["photos"]:
            assert f"{p['file']['folder']}/{p['file']['fileName']}" in dataset.files
    assert counts.count(0) >= 3
    assert any(c >= 2 for c in counts) and any(c == 3 for c in counts)
    assert any(p["deletedAt"] for i in _items(dataset) for p in i["photos"])
    # A lot whose cover is not the first photo in the source order.
    assert any(i["photos"] and not i["photos"][0]["iscover"] for i in _items(dataset))


def test_photos_are_deterministic_per_seed_and_differ_between_seeds():
    first = photo_jpeg("car", 7, color="red")
    photos._photo_jpeg_cached.cache_clear()
    assert photo_jpeg("car", 7, color="red") == first
    assert photo_jpeg("car", 8, color="red") != first
    assert photo_jpeg("car", 7, color="blue") != first


@pytest.mark.parametrize(("kind", "check"), [
    # The ground tells the scenes apart: grass, dirt, asphalt, a wooden table.
    ("land", lambda r, g, b: g > r and g > b),
    ("house", lambda r, g, b: g > b),
    ("scrap", lambda r, g, b: r > b + 15),
    ("car", lambda r, g, b: max(r, g, b) - min(r, g, b) < 25),
    ("electronics", lambda r, g, b: r > g > b),
])
def test_each_kind_is_drawn_as_its_scene(kind, check):
    im = photos.draw_photo(kind, 3)
    bottom = im.crop((0, int(im.height * 0.9), im.width, im.height))
    r, g, b = ImageStat.Stat(bottom).mean
    assert check(r, g, b), (kind, r, g, b)


def test_every_kind_draws_and_bad_options_are_refused():
    for kind in photos.KINDS:
        assert photos.draw_photo(kind, 1, (120, 90)).size == (120, 90)
    with pytest.raises(ValueError, match="unknown demo photo kind"):
        photos.draw_photo("boat", 1)
    with pytest.raises(ValueError, match="color"):
        photos.draw_photo("car", 1, color="purple")
    with pytest.raises(ValueError, match="variant"):
        photos.draw_photo("house", 1, variant="pickup")


# --- promo run --demo ----------------------------------------------------------------------------


def _check_demo_folder(folder: Path, today: date | None = None) -> None:
    """The demo folder holds exactly the data set, normalised, with its photos cached."""
    cfg = config_mod.load(folder / "config.toml")
    assert (folder / MARKER).is_file()
    # The written config points at the look-alike `promo demo serve` runs; posts link the real
    # site.
    assert cfg.source.api_base == f"http://127.0.0.1:{DEMO_PORT}/api/v1"
    assert cfg.source.file_base == f"http://127.0.0.1:{DEMO_PORT}/lelang/"
    assert cfg.source.site_base == "https://lelang.go.id"
    assert [o.id for o in cfg.offices] == [OFFICE, DOMPU]
    # Two offices, two brands: Dompu's own kit, the rest inherited from [brand].
    assert (cfg.brand_for(OFFICE).handle, cfg.brand_for(DOMPU).handle) == (
        "@kpknlbima", "@kpknldompu")
    assert cfg.brand_for(DOMPU).primary_color != cfg.brand_for(OFFICE).primary_color
    assert cfg.brand_for(DOMPU).website == cfg.brand.website
    assert cfg.database_path == folder / "data" / "promo.db"
    ds = build_dataset(today)
    db = database.connect(cfg.database_path)
    try:
        lots = {lot.id: lot for lot in list_lots(db)}
        assert set(lots) == set(ds.details)
        file_base = None
        for item in _items(ds):
            lot = lots[item["lotLelangId"]]
            assert lot.limit_value == int(item["nilaiLimit"])
            assert lot.deposit == int(item["uangJaminan"])
            assert lot.ends_at == datetime.fromisoformat(item["tglSelesaiLelang"])
            assert lot.category == ds.categories[lot.id]
            assert lot.status == "active"
            assert "<" not in lot.title and "&" not in lot.title.replace(" & ", "")
            assert lot.office_id == _owner(item)[0]
            assert lot.url == (f"https://lelang.go.id/kpknl/{lot.office_id}/detail-auction/"
                               f"{lot.id}")
            if lot.photos:
                file_base = lot.photos[0].split("photo_barang/")[0]
            expected = _expected_photos(item, file_base or "")
            assert list(lot.photos) == expected
            cached = usable_paths(db, cfg.media_dir, lot.photos)
            assert len(cached) == len(expected)
            for path in cached:
                assert imagesafe.probe(path)[0] == "JPEG"
        assert file_base and file_base.startswith("http://127.0.0.1:")
        # Each office's posts carry its own handle, never the other office's.
        from promo_pipeline import queue

        posts = queue.list_posts(db)
        assert {p.office_id for p in posts} == {OFFICE, DOMPU}
        for post in posts:
            mine, other = (("@kpknldompu", "@kpknlbima") if post.office_id == DOMPU
                           else ("@kpknlbima", "@kpknldompu"))
            assert mine in post.captions["instagram"] and other not in post.captions["instagram"]
        runs = list(db["runs"].rows)
        assert [(r["kind"], r["status"]) for r in runs] == [("run", "ok")]
        assert json.loads(runs[0]["counts"])["collect"]["lots_new"] == len(lots)
        # The demo account is a reviewer, as the README says (not an admin).
        assert [(u.name, u.role) for u in accounts.list_users(db)] == [("demo", "reviewer")]
    finally:
        db.close()


def test_run_demo_through_the_cli_and_again_into_the_same_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["run", "--demo", "--dir", "demo"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "demo"
    n = len(build_dataset().details)
    assert f"{n} lot" in result.output
    assert "promo --config demo/config.toml lots" in result.output
    _check_demo_folder(folder)

    leftover = folder / "data" / "old-notes.txt"
    leftover.write_text("from an earlier demo")
    again = runner.invoke(cli, ["run", "--demo", "--dir", str(folder)])
    assert again.exit_code == 0, again.output
    assert "dibuat ulang" in again.output
    assert not leftover.exists()
    _check_demo_folder(folder)  # one run row: the database was recreated, not reused

    shown = runner.invoke(cli, ["--config", "demo/config.toml", "lots", "--json"])
    assert shown.exit_code == 0, shown.output
    assert len(json.loads(shown.output)) == n


def test_run_demo_uses_promo_demo_in_the_current_folder_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", "--demo"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "promo-demo" / "config.toml").is_file()
    assert "promo --config promo-demo/config.toml lots" in result.output


def test_run_demo_refuses_a_foreign_non_empty_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(cli, ["run", "--demo", "--dir", str(foreign)])
    assert result.exit_code == 2, result.output
    assert "bukan folder demo" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]
    assert (foreign / "notes.txt").read_text() == "keep me"

    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    result = CliRunner().invoke(cli, ["run", "--demo", "--dir", str(a_file)])
    assert result.exit_code == 2
    assert a_file.read_text() == "x"


def test_force_empties_a_foreign_folder_but_never_the_current_one(tmp_path, monkeypatch):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("scratch")
    monkeypatch.chdir(foreign)
    refused = CliRunner().invoke(cli, ["run", "--demo", "--dir", ".", "--force"])
    assert refused.exit_code == 2, refused.output
    assert (foreign / "notes.txt").exists()

    monkeypatch.chdir(tmp_path)
    forced = CliRunner().invoke(cli, ["run", "--demo", "--dir", "mine", "--force"])
    assert forced.exit_code == 0, forced.output
    assert not (foreign / "notes.txt").exists()
    _check_demo_folder(foreign)


def test_demo_options_are_checked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for args in (["run", "--dir", "x"], ["run", "--force"],
                 ["run", "--demo", "--lot", "53b504c6-2df9-446f-9f83-91343495fb15"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


def _offline_prefix() -> tuple[list[str], str]:
    """A command prefix that runs without any network but loopback, and what it is."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if unshare and ip:
        probe = subprocess.run([unshare, "-rn", "sh", "-c", f"{ip} link set lo up"],
                               capture_output=True, check=False)
        if probe.returncode == 0:
            return [unshare, "-rn", "sh", "-c", f'{ip} link set lo up && exec "$@"', "sh"], "netns"
    return [], "proxy"


def test_run_demo_as_a_real_process_without_network(tmp_path):
    prefix, mode = _offline_prefix()
    env = dict(os.environ)
    env.pop("PROMO_CONFIG", None)
    if mode == "proxy":
        # No network namespace here: make any non-loopback HTTP(S) request fail at once.
        dead = "http://127.0.0.1:9"
        env.update(HTTP_PROXY=dead, HTTPS_PROXY=dead, http_proxy=dead, https_proxy=dead,
                   ALL_PROXY=dead, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    folder = tmp_path / "offline demo"
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "promo_pipeline", "run", "--demo", "--dir", str(folder)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=110, check=False,
    )
    assert proc.returncode == 0, (mode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert str(folder) in proc.stdout
    assert '"offline demo/config.toml"' in proc.stdout  # quoted: the path has a space
    _check_demo_folder(folder)


# --- README quick start and CI -------------------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent


def _quick_start_blocks() -> list[list[str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    return [[line for line in b.splitlines() if line.strip()] for b in blocks]


def test_quick_start_is_two_commands_and_ci_runs_the_test_command_verbatim():
    demo, tests = _quick_start_blocks()[:2]
    assert len(demo) == 1 and len(tests) == 1
    assert demo[0].startswith("pip install ") and demo[0].endswith("promo run --demo")
    assert tests[0].startswith("pip install ") and "pytest" in tests[0]
    ci = REPO / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    lines = ci.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#!/usr/bin/env bash" and "set -euo pipefail" in lines
    assert lines[-1] == tests[0]  # the last command: its status is the script's


def test_ci_runs_ruff_and_mypy_from_the_test_extra_before_the_tests():
    import tomllib

    lines = [line.strip() for line in
             (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    install, ruff, mypy = (lines.index(c) for c in ('pip install -e ".[test]"', "ruff check .",
                                                    "mypy"))
    assert install < ruff < len(lines) - 1 and install < mypy < len(lines) - 1
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    extra = [re.split(r"[<>=!~\[ ]", d, maxsplit=1)[0]
             for d in pyproject["project"]["optional-dependencies"]["test"]]
    assert {"ruff", "mypy"} <= set(extra)
    assert pyproject["tool"]["mypy"]["files"]  # `mypy` with no arguments checks something
