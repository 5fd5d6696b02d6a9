"""``promo lots``, ``promo scrape`` and ``promo offices``: the collect stage from the terminal."""

from __future__ import annotations

import click

from promo_pipeline import config as config_mod
from promo_pipeline import present
from promo_pipeline.cli.app import AppContext, StatusWord, cli, emit_json, pass_app, report_run


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Cetak array JSON (kontrak publik).")
@click.option("--status", default=None, type=StatusWord(present.LOT_STATUSES),
              help=f"Hanya lot dengan status ini: {StatusWord(present.LOT_STATUSES).choices()}.")
@click.option("--office", default=None, help="Hanya lot kantor ini (unitKerjaId).")
@pass_app
def lots(app: AppContext, as_json: bool, status: str | None, office: str | None) -> None:
    """Daftar lot yang tersimpan."""
    from promo_pipeline.lots import list_lots

    rows = list_lots(app.read_db, office_id=office, status=status)
    if as_json:
        brand_for = app.config.brand_for
        emit_json([lot.public_json(brand_for(lot.office_id).office_phones) for lot in rows])
        return
    from rich.console import Console
    from rich.table import Table

    from promo_pipeline import formats, present

    # The ID column is what --lot takes (any unambiguous start of the id, or the code). The
    # links follow the table, one whole line each, so they can be copied or clicked unbroken.
    # The office column only when the lots are of several offices (room for the title).
    several = len({lot.office_id for lot in rows}) > 1
    table = Table(title=f"{len(rows)} lot")
    for col in ("ID", "Kode", *(["Kantor"] if several else []), "Judul", "Nilai limit",
                "Berakhir", "Status"):
        table.add_column(col, overflow="fold", no_wrap=col in ("ID", "Kode", "Nilai limit"))
    for lot in rows:
        tz = app.config.timezone_of(lot.office_id)
        table.add_row(lot.id[:8], lot.code or "-", *([lot.office_name] if several else []),
                      formats.shorten(lot.title, 60), formats.rupiah(lot.limit_value),
                      formats.datetime_medium(lot.ends_at, tz), present.lot_status(lot.status))
    console = Console()
    console.print(table)
    if rows:
        console.print("Tautan lelang.go.id (--lot menerima ID, kode, atau tautan):")
        for lot in rows:
            console.print(f"  {lot.id[:8]}  {lot.url}", overflow="ignore", crop=False,
                          soft_wrap=True, highlight=False)



@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Cetak ringkasan sebagai objek JSON.")
@pass_app
def scrape(app: AppContext, as_json: bool) -> None:
    """Kumpulkan lot semua kantor yang dikonfigurasi dari lelang.go.id."""
    from promo_pipeline import pipeline
    from promo_pipeline.lock import project_lock

    # Not alongside `promo run` or the daemon: they write the same lots and photo cache.
    with project_lock(app.config, what="promo scrape"):
        summary = pipeline.scrape(app.config, app.db, progress=False if app.quiet else None)
    if summary.run_id is not None and not summary.ok:
        from promo_pipeline import notify

        notify.after_run(app.config, app.db, summary.run_id)   # a failed scrape: tell reviewers
    report_run(summary, as_json)


@cli.command()
@click.option("--search", default=None, metavar="TEKS",
              help="Saring nama/kota (tanpa beda huruf besar-kecil, spasi, tanda hubung).")
@click.option("--configured", is_flag=True,
              help="Kantor di konfigurasi ini: merek, kanal, zona waktu dan jumlah peninjau "
                   "(tanpa internet).")
@click.option("--json", "as_json", is_flag=True, help="Cetak array JSON.")
@pass_app
def offices(app: AppContext, search: str | None, configured: bool, as_json: bool) -> None:
    """Daftar kantor KPKNL di lelang.go.id dengan unitKerjaId-nya (untuk [[offices]] id);
    dengan --configured: kantor yang dikonfigurasi."""
    from promo_pipeline import fetch, refs
    from promo_pipeline.http import HttpClient

    if configured:
        _configured_offices(app, search, as_json)
        return

    # Finding the office id is the first set-up step, so it works before a config exists.
    if config_mod.find_config_path(app.config_path).is_file():
        source = app.config.source
    else:
        source = config_mod.Source()
    with HttpClient(source) as client:
        found = refs.match_offices(fetch.fetch_offices(client, source), search)
    if as_json:
        emit_json([{"id": o["id"], "name": o.get("nama"), "city": o.get("kota"),
                    "province": o.get("propinsi"), "phone": o.get("telepon")} for o in found])
        return
    if not found:
        click.echo(f"Tidak ada kantor yang cocok dengan {search!r}.", err=True)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(found)} kantor")
    table.add_column("Nama", overflow="fold")
    table.add_column("unitKerjaId", no_wrap=True, min_width=36)  # copied into config.toml
    table.add_column("Kota", overflow="fold")
    table.add_column("Provinsi", overflow="fold")
    for o in found:
        table.add_row(str(o.get("nama") or ""), str(o["id"]), str(o.get("kota") or ""),
                      str(o.get("propinsi") or ""))
    Console().print(table)


def _channel_target(section: object) -> str:
    for key in ("chat_id", "page_id", "user_id"):
        value = getattr(section, key, "")
        if value:
            return str(value)
    return ""


def configured_offices(cfg: config_mod.Config, users: list) -> list[dict]:
    """Each configured office as ``promo offices --configured --json`` prints it: its brand
    and channels (its own merged over the top level: ``Config.brand_for`` / ``publish_for``),
    whether they are its own, and how many accounts may review its posts."""
    from promo_pipeline.accounts import reviewers_of

    out = []
    for office in cfg.offices:
        brand, pub = cfg.brand_for(office.id), cfg.publish_for(office.id)
        out.append({
            "id": office.id, "name": office.name, "timezone": office.timezone,
            "brand": {"name": brand.name or office.name, "handle": brand.handle,
                      "primary_color": brand.primary_color, "phone": brand.phone,
                      "hashtags": list(brand.hashtags), "logo": brand.logo,
                      "own": office.brand is not None},
            "channels": [{"name": ch, "target": _channel_target(pub.sections.get(ch))}
                         for ch in pub.channels],
            "own_channels": office.publish is not None,
            "slots": list(pub.slots),
            "secret_suffix": office.env_suffix,
            "reviewers": reviewers_of(users, office.id),
        })
    return out


def _configured_offices(app: AppContext, search: str | None, as_json: bool) -> None:
    from promo_pipeline import accounts, refs

    rows = configured_offices(app.config, accounts.list_users(app.db))
    if search:
        wanted = {o["id"] for o in refs.match_offices(
            [{"id": r["id"], "nama": r["name"]} for r in rows], search)}
        rows = [r for r in rows if r["id"] in wanted]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("Tidak ada kantor di konfigurasi" + (f" yang cocok dengan {search!r}."
                                                          if search else "."), err=True)
        return
    from rich.console import Console
    from rich.table import Table

    from promo_pipeline.publish import channels as registry

    table = Table(title=f"{len(rows)} kantor dikonfigurasi")
    for col in ("Nama", "unitKerjaId", "Zona", "Merek", "Kanal", "Peninjau"):
        table.add_column(col, overflow="fold")
    for r in rows:
        b = r["brand"]
        brand = " · ".join(x for x in (b["name"], b["handle"], b["primary_color"]) if x)
        brand += "" if b["own"] else " (umum)"
        channels = ", ".join(registry.label(c["name"]) + (f" {c['target']}" if c["target"]
                                                          else "") for c in r["channels"])
        channels += "" if r["own_channels"] else " (umum)"
        table.add_row(r["name"], r["id"], r["timezone"], brand, channels, str(r["reviewers"]))
    Console().print(table)
