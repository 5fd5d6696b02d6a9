"""The Laporan page (admins): the monthly report of ``promo report`` for a chosen month and
office, in the browser.

Settings read: ``offices[]`` (the office choice and time zones), ``brand.*`` (the report's look).

The page is the report's own self-contained HTML (:func:`promo_pipeline.report.html.render_html`)
with a month/office form on top (hidden when printed). It reads the figures and writes nothing:
no files, no outcome refresh. Its inline style needs a Content-Security-Policy of its own
(``style-src 'unsafe-inline'``, still no script at all); every other page keeps the strict one.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, request, url_for

from promo_pipeline import clock
from promo_pipeline.errors import UsageError
from promo_pipeline.review.app import cfg_of, get_db
from promo_pipeline.review.blueprint import bp, require_admin

#: No script, no network: inline style and inline (data:) images only; the form posts here.
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
MONTHS_SHOWN = 12


@bp.route("/laporan")
def report() -> Any:
    require_admin()
    from promo_pipeline.report import Month
    from promo_pipeline.report.data import gather
    from promo_pipeline.report.figures import compute
    from promo_pipeline.report.html import render_html

    cfg = cfg_of()
    office = request.args.get("office") or None
    if office is not None and cfg.office(office) is None:
        abort(404)
    tz = cfg.timezone_of(office)
    now = clock.now()
    latest = Month.last_complete(now, tz)
    try:
        month = Month.parse(request.args["month"]) if request.args.get("month") else latest
    except UsageError as exc:
        return Response(f"Galat: {exc}", status=400, mimetype="text/plain")
    months = [latest.next()]
    for _ in range(MONTHS_SHOWN):
        months.append(months[-1].previous())
    figures = compute(gather(get_db(), cfg, month, office))
    web = {"action": url_for("review.report"), "back": url_for("review.queue"),
           "month": month.key, "office": office or "",
           "months": [(m.key, m.label()) for m in months],
           "offices": [(o.id, o.name) for o in cfg.offices]}
    html = render_html(figures, cfg, generated=now, web=web)
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = REPORT_CSP
    return resp
