"""The caption lint: what a reviewer sees next to each caption before approving it.

A caption (generated or edited) is checked against the stored lot(s):

- ``block`` findings (approval refused): the caption is empty; the lot's limit, deposit, deposit
  deadline (with its zone label) or lelang.go.id link is missing; an ``Rp`` figure or a lot link
  differs from the stored lot; personal data that the title reading removed
  (:mod:`promo_pipeline.titles`) is in the caption (``personal_redacted``, e.g. typed back in an
  edit) or in the text an image draws (``personal_image``, channel ``""``) — unless a reviewer
  restored that item by the audited action (*restored*): then a warning (``personal_restored``);
- ``warn`` findings: personal data (:mod:`promo_pipeline.personal`, the title reading's
  rule), wording DJKN names as a fraud marker, no anti-fraud line, a date and time that
  matches none of the lot's times, over the channel's length or hashtag limit.

Each check is one function of :data:`CHECKS` over the same :class:`Context`; a new check is one
more function there. A finding is a plain dict (``channel``, ``level``, ``code``, ``message``)
because posts store findings as JSON.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from babel.numbers import format_decimal

from promo_pipeline import formats, personal
from promo_pipeline.captions.data import datetime_long, office_tz, rupiah
from promo_pipeline.captions.lengths import count_hashtags, count_mentions, limit
from promo_pipeline.captions.mentions import datetimes, figures, fold, link_spans, links, norm_url
from promo_pipeline.captions.wording import FRAUD_MARKERS, Folded, has_antifraud_line
from promo_pipeline.lots import Lot
from promo_pipeline.present import redaction_kind
from promo_pipeline.publish import channels as registry
from promo_pipeline.titles import Redaction, leaks, read_title
from promo_pipeline.titles.redact import personal_data

BLOCK = "block"
WARN = "warn"

#: Candidate hits a check looks at before it gives up on an absurd text (a caption has a few).
MAX_CANDIDATES = 10_000
#: Findings of one code listed for a caption; the rest are summed up in one more finding.
MAX_PER_CODE = 20


_PERSONAL_MESSAGES: dict[str, tuple[str, Callable[[str], str]]] = {
    personal.NIK: ("personal_nik", lambda t: (
        f"Ada 16 angka berturut-turut ({t[:4]}…), mungkin NIK: hapus data pribadi.")),
    personal.PHONE: ("personal_phone", lambda t: (
        f"Nomor telepon {t} bukan kontak kantor yang dikonfigurasi: hapus nomor pribadi.")),
    personal.EMAIL: ("personal_email", lambda t: f"Alamat surel {t}: hapus data pribadi."),
    personal.PERSON_NAME: ("personal_name", lambda t: (
        f"\u201c{t}\u201d menyebut nama orang: hapus nama debitur/pemilik.")),
}


def finding(channel: str, level: str, code: str, message: str) -> dict[str, str]:
    """One lint finding as stored with a post."""
    return {"channel": channel, "level": level, "code": code, "message": message}


@dataclass
class Context:
    """One caption being linted, what it is checked against, and the findings so far."""

    text: str
    channel: str
    lots: Sequence[Lot]
    kind: str
    tz: str
    brand: Any
    site_base: str
    findings: list[dict[str, str]] = field(default_factory=list)
    #: The lots whose facts the caption must state (a digest: those it links to).
    required: list[Lot] = field(default_factory=list)
    _seen: set[tuple[str, str, str]] = field(default_factory=set)
    _per_code: Counter[str] = field(default_factory=Counter)
    _more: dict[str, str] = field(default_factory=dict)
    _folded: Folded | None = None
    #: Redacted items a reviewer restored (an audited post event): not reported.
    restored: frozenset[Redaction] = frozenset()

    @property
    def folded(self) -> Folded:
        """The caption folded to lower case (same positions), for case-insensitive searches."""
        if self._folded is None:
            self._folded = Folded(self.text, fold(self.text))
        return self._folded

    def add(self, level: str, code: str, message: str) -> None:
        """Add a finding (once; at most :data:`MAX_PER_CODE` of one code, then a note)."""
        key = (level, code, message)
        if key in self._seen:
            return
        if self._per_code[code] >= MAX_PER_CODE:
            self.more(level, code)
            return
        self._seen.add(key)
        self._per_code[code] += 1
        self.findings.append(finding(self.channel, level, code, message))

    def for_channel(self, channel: str) -> Context:
        """A copy with the findings so far, for *channel* (an identical caption elsewhere)."""
        return Context(
            text=self.text, channel=channel, lots=self.lots, kind=self.kind, tz=self.tz,
            brand=self.brand, site_base=self.site_base,
            findings=[dict(f, channel=channel) for f in self.findings],
            required=list(self.required), _seen=set(self._seen),
            _per_code=Counter(self._per_code), _more=dict(self._more), _folded=self._folded)

    def more(self, level: str, code: str) -> None:
        """Note that *code* has more findings than listed (or was not searched to the end)."""
        self._more.setdefault(code, level)

    def done(self) -> list[dict[str, str]]:
        for code, level in self._more.items():
            self.findings.append(finding(
                self.channel, level, code,
                "Masih ada temuan serupa lainnya yang tidak ditampilkan; periksa seluruh "
                "keterangan."))
        self._more.clear()
        return self.findings


def _check_links(c: Context) -> None:
    """Every lelang.go.id link must be a stored lot's page (or the site itself)."""
    present = dict.fromkeys(links(c.text, c.folded.folded))
    urls = list(present)
    if len(urls) > MAX_CANDIDATES:
        urls = urls[:MAX_CANDIDATES]
        c.more(BLOCK, "link_wrong")
    lot_urls = {norm_url(lot.url): lot for lot in c.lots}
    hosts = {urlsplit(lot.url).netloc.lower() for lot in c.lots} | {"lelang.go.id",
                                                                   "www.lelang.go.id"}
    site = norm_url(c.site_base)
    hosts.add(urlsplit(site).netloc.lower())
    present_lots = [lot_urls[u] for u in present if u in lot_urls]
    for url in urls:
        host = urlsplit(url).netloc.lower()
        if url in lot_urls or host not in hosts:
            continue
        if url == site or (c.kind == "digest" and "/detail-auction/" not in url):
            continue
        c.add(BLOCK, "link_wrong",
              f"Tautan {url} tidak sama dengan tautan lot yang tersimpan di lelang.go.id.")
    if c.kind == "digest":
        if not present_lots and not any(urlsplit(u).netloc.lower() in hosts for u in urls):
            c.add(BLOCK, "link_missing", "Tidak ada tautan lelang.go.id.")
        c.required = present_lots
    else:
        c.required = list(c.lots)
        for lot in c.lots:
            if norm_url(lot.url) not in present:
                c.add(BLOCK, "link_missing",
                      f"Tautan lot di lelang.go.id ({lot.url}) tidak ada di keterangan.")


def _check_figures(c: Context) -> None:
    """Every Rp figure must be a limit, deposit or bid increment of the lot(s)."""
    found = figures(c.text, MAX_CANDIDATES + 1)
    if len(found) > MAX_CANDIDATES:
        c.more(BLOCK, "figure_wrong")
    found = list(dict.fromkeys(found))
    values = {v for v, _ in found if v is not None}
    allowed = set()
    for lot in c.lots:
        allowed |= {lot.limit_value, lot.deposit}
        if lot.bid_increment:
            allowed.add(lot.bid_increment)
    for value, raw in found:
        if value is None or value not in allowed:
            c.add(BLOCK, "figure_wrong",
                  f"Angka {raw} tidak sama dengan nilai limit, uang jaminan, atau kelipatan "
                  "penawaran lot yang tersimpan.")
    for lot in c.required:
        if lot.limit_value not in values:
            c.add(BLOCK, "limit_missing",
                  f"Nilai limit {rupiah(lot.limit_value)} tidak ada di keterangan.")
        if lot.deposit not in values:
            c.add(BLOCK, "deposit_missing",
                  f"Uang jaminan {rupiah(lot.deposit)} tidak ada di keterangan.")


def _minute(when: datetime) -> datetime:
    return when.replace(second=0, microsecond=0)


def _check_deadline(c: Context) -> None:
    """The deposit deadline (the auction end when the lot has none), with its zone label."""
    mentions = datetimes(c.text, c.folded.folded)
    known: list[datetime] = []
    for lot in c.lots:
        known += [_minute(t) for t in (lot.deposit_deadline, lot.ends_at, lot.starts_at) if t]
    for lot in c.required:
        # Captions show hours and minutes: compare at that precision.
        due = _minute(lot.deadline)
        what = "Batas setor jaminan" if lot.deposit_deadline else "Waktu penutupan lelang"
        shown = datetime_long(due, c.tz)
        if any(m.when.tzinfo and m.when == due for m in mentions):
            continue
        local_naive = {formats.local(due, z).replace(tzinfo=None)
                       for z in (c.tz, "Asia/Jakarta")}
        if any(m.when.tzinfo is None and m.when in local_naive for m in mentions):
            c.add(BLOCK, "zone_missing",
                  f"{what} tertulis tanpa zona waktu (WIB/WITA/WIT); seharusnya {shown}.")
        else:
            c.add(BLOCK, "deadline_missing", f"{what} ({shown}) tidak ada di keterangan.")
    for m in mentions:
        if m.when.tzinfo and not any(m.when == k for k in known):
            c.add(WARN, "datetime_unknown",
                  f"Waktu \u201c{m.text.strip()}\u201d tidak cocok dengan jadwal lot; periksa.")


def _check_personal(c: Context) -> None:
    # The title reading's rule: what it removes is flagged here, what it keeps is not; a
    # link's digits are no NIK.
    hits = personal_data(c.text, office_phones=getattr(c.brand, "office_phones", ()),
                         limit=MAX_PER_CODE, max_hits=MAX_CANDIDATES,
                         skip=link_spans(c.folded.folded))
    for hit in hits:
        if hit.kind == personal.MORE:
            c.more(WARN, _PERSONAL_MESSAGES[hit.text][0])
            continue
        code, message = _PERSONAL_MESSAGES[hit.kind]
        c.add(WARN, code, message(hit.text))


def lot_redactions(lot: Lot, brand: Any) -> tuple[Redaction, ...]:
    """What the title reading of *lot* removed as personal data."""
    phones = tuple(getattr(brand, "office_phones", ()) or ())
    return read_title(lot.title, category=lot.category, office_phones=phones).redactions


def _check_redacted(c: Context) -> None:
    """Personal data removed from the title must not come back (an edit, a template)."""
    for lot in c.lots:
        for r in leaks(c.text, lot_redactions(lot, c.brand)):
            if r in c.restored:
                c.add(WARN, "personal_restored",
                      f"\u201c{r.text}\u201d ({redaction_kind(r.kind)}) adalah data pribadi "
                      "yang dipulihkan peninjau untuk unggahan ini: pastikan memang boleh "
                      "dipublikasikan.")
            else:
                c.add(BLOCK, "personal_redacted",
                      f"\u201c{r.text}\u201d ({redaction_kind(r.kind)}) dihapus dari "
                      "judul sebagai data pribadi tetapi ada di keterangan: hapus.")


def image_findings(lots: Sequence[Lot], brand: Any,
                   restored: Iterable[Redaction] = ()) -> list[dict[str, str]]:
    """Blocking findings for personal data in the text the images draw (channel ``""``)."""
    if brand is None:
        return []
    from promo_pipeline.render.fields import image_texts

    allowed = set(restored)
    out = []
    for lot in lots:
        removed = lot_redactions(lot, brand)
        if not removed:
            continue
        for r in leaks("\n".join(image_texts(lot, brand)), removed):
            if r not in allowed:
                out.append(finding("", BLOCK, "personal_image",
                                   f"\u201c{r.text}\u201d ({redaction_kind(r.kind)}) "
                                   f"tampil di gambar lot {lot.id}: data pribadi."))
    return out


def _check_wording(c: Context) -> None:
    """No fraud-marker wording; the anti-fraud line is there."""
    for marker in FRAUD_MARKERS:
        span = marker.first(c.folded, MAX_CANDIDATES)
        if span is False:
            c.more(WARN, "fraud_wording")
        elif span:
            c.add(WARN, "fraud_wording",
                  f"Hindari {marker.label} (\u201c{c.text[span[0]:span[1]]}\u201d): DJKN "
                  "menyebutnya sebagai ciri penipuan lelang.")
    if not has_antifraud_line(c.folded.folded):
        c.add(WARN, "antifraud_missing",
              "Kalimat waspada penipuan tidak ada (setor jaminan hanya ke Virtual Account atas "
              "nama peserta; KPKNL tidak pernah meminta transfer ke rekening pribadi).")


def _num(value: int) -> str:
    return format_decimal(value, locale=formats.LOCALE)


def _check_length(c: Context) -> None:
    try:
        lim = limit(c.channel)
    except KeyError:
        return
    label = registry.label(c.channel)
    # A limit the platform refuses, on a channel that publishes, blocks approval: the post
    # would fail there (the outbox checks the same limits again before sending).
    severity = BLOCK if lim.hard and registry.get(c.channel).publishes else WARN
    length = lim.measure(c.text)
    if length > lim.max_length:
        c.add(severity, "over_limit",
              f"Keterangan {label} {_num(length)} karakter, melebihi batas "
              f"{_num(lim.max_length)}.")
    if lim.max_hashtags is not None:
        tags = count_hashtags(c.text)
        if tags > lim.max_hashtags:
            c.add(severity, "too_many_hashtags",
                  f"{tags} tagar, melebihi batas {label} {lim.max_hashtags} tagar.")
    if lim.max_mentions is not None:
        mentions = count_mentions(c.text)
        if mentions > lim.max_mentions:
            c.add(severity, "too_many_mentions",
                  f"{mentions} sebutan akun (@), melebihi batas {label} {lim.max_mentions}.")


#: The checks, in the order their findings are listed: those that read the text only, then
#: those that depend on the channel.
TEXT_CHECKS: tuple[Callable[[Context], None], ...] = (
    _check_links, _check_figures, _check_deadline, _check_personal, _check_redacted,
    _check_wording)
CHANNEL_CHECKS: tuple[Callable[[Context], None], ...] = (_check_length,)
CHECKS = TEXT_CHECKS + CHANNEL_CHECKS


def lint(
    text: str,
    *,
    channel: str,
    lots: Sequence[Lot],
    kind: str = "lot",
    tz: str = "Asia/Jakarta",
    brand: Any = None,
    site_base: str = "https://lelang.go.id",
    restored: Iterable[Redaction] = (),
) -> list[dict[str, str]]:
    """Findings for one caption, checked against the stored lot(s) (see the module docs)."""
    return lint_all({channel: text}, lots=lots, kind=kind, tz=tz, brand=brand,
                    site_base=site_base, restored=restored)


def lint_all(
    captions: Mapping[str, str],
    *,
    lots: Sequence[Lot],
    kind: str = "lot",
    tz: str = "Asia/Jakarta",
    brand: Any = None,
    site_base: str = "https://lelang.go.id",
    restored: Iterable[Redaction] = (),
) -> list[dict[str, str]]:
    """:func:`lint` over every channel's caption (a caption that two channels share is read
    once)."""
    kept = frozenset(restored)
    read: dict[str, Context] = {}
    out: list[dict[str, str]] = []
    for channel, text in captions.items():
        base = read.get(text)
        if base is None:
            base = read[text] = Context(text=text, channel=channel, lots=lots, kind=kind,
                                        tz=tz, brand=brand, site_base=site_base, restored=kept)
            if text.strip():
                for check in TEXT_CHECKS:
                    check(base)
        c = base.for_channel(channel)
        if not text.strip():
            c.add(BLOCK, "empty", "Keterangan kosong.")
        else:
            for check in CHANNEL_CHECKS:
                check(c)
        out += c.done()
    return out


def lint_for(cfg: Any, captions: Mapping[str, str], *, lots: Sequence[Lot],
             kind: str = "lot", office_id: str | None = None,
             restored: Iterable[Redaction] = ()) -> list[dict[str, str]]:
    """:func:`lint_all` with the zone, brand and site from the config, plus the images' text
    (:func:`image_findings`)."""
    oid = office_id or (lots[0].office_id if lots else None)
    office = cfg.office(oid) if oid else None
    restored = tuple(restored)
    return lint_all(captions, lots=lots, kind=kind, tz=office_tz(office, cfg.default_timezone),
                    brand=cfg.brand_for(oid), site_base=cfg.source.site_base,
                    restored=restored) + image_findings(lots, cfg.brand_for(oid), restored)


def is_blocking(findings: Iterable[Mapping[str, str]]) -> bool:
    """True when a finding blocks approval."""
    return any(f.get("level") == BLOCK for f in findings)
