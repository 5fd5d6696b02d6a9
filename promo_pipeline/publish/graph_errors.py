"""The Graph API's error answers (Facebook Pages, Instagram): one table per platform.

Settings read: none.

Sources (stored copies found with the search tool; cited in README "Publikasi"):

- Graph API "Handling Errors" (https://developers.facebook.com/docs/graph-api/guides/error-handling):
  ``1`` API Unknown, "possibly a temporary issue due to downtime. Wait and retry"; ``2`` API
  Service, "temporary issue due to downtime. Wait and retry"; ``4`` / ``17`` / ``341``
  throttling; ``10`` and ``200-299`` permissions; ``102`` / ``190`` and subcodes 458-467, 492
  the token; ``368`` temporarily blocked for policy violations; ``506`` duplicate post. Meta
  documents ``1`` / ``2`` / ``is_transient`` as "wait and retry", never as "nothing was
  written": other clients report 4-7 copies of one post after retrying code 2 / HTTP 500
  (issue 11), so on a step that publishes they are ``TRANSIENT`` → unconfirmed.
- Rate limiting (https://developers.facebook.com/docs/graph-api/overview/rate-limiting): Page
  and Instagram calls fall under business-use-case limits whose header
  ``x-business-use-case-usage`` says ``estimated_time_to_regain_access`` (minutes); ``32`` Page
  request limit, ``613``, ``80001`` (Pages) / ``80002`` (Instagram) are throttles too (TryPost's
  ``PublishLimitRetryTest.php`` tests the same set).
- Instagram "Error Codes" (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes,
  updated 2 Jun 2026): each subcode with its user message and recommended solution, used
  below nearly word for word in Indonesian.
- IG Container (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container):
  ``status_code`` EXPIRED (not published within 24 hours) / ERROR / FINISHED / IN_PROGRESS /
  PUBLISHED; ``status`` carries the error subcode when ERROR.
"""

from __future__ import annotations

from promo_pipeline.publish.errortable import Kind, Rule, Table

HOUR = 3600.0

_TOKEN = Rule(Kind.PERMANENT, "token akses kedaluwarsa, dicabut atau tidak sah — buat token "
                              "baru")
_PERMISSION = Rule(Kind.PERMANENT, "izin aplikasi kurang untuk tindakan ini")
_TRANSIENT = Rule(Kind.TRANSIENT, "gangguan sementara di server Meta")
_THROTTLE = Rule(Kind.WAIT, "batas panggilan API Meta tercapai; dikirim setelah jendela "
                            "batas terbuka lagi", wait=HOUR)

#: Codes both platforms answer with (Graph API "Handling Errors").
COMMON_CODES: dict[int, Rule] = {
    1: Rule(Kind.TRANSIENT, "gangguan sementara di Meta (API Unknown)"),
    2: Rule(Kind.TRANSIENT, "gangguan layanan Meta (API Service)"),
    3: Rule(Kind.PERMANENT, "aplikasi tidak punya kemampuan untuk tindakan ini (API Method)"),
    4: _THROTTLE,  # API Too Many Calls (the app)
    9: _THROTTLE,
    17: _THROTTLE,  # API User Too Many Calls
    32: Rule(Kind.WAIT, "batas permintaan Halaman tercapai", wait=HOUR),
    341: _THROTTLE,  # Application limit reached
    613: _THROTTLE,
    80001: Rule(Kind.WAIT, "batas panggilan Halaman (business use case) tercapai", wait=HOUR),
    80002: Rule(Kind.WAIT, "batas panggilan Instagram (business use case) tercapai", wait=HOUR),
    10: _PERMISSION,
    200: _PERMISSION,  # 200-299: API Permission
    102: _TOKEN,
    190: _TOKEN,
    368: Rule(Kind.PERMANENT, "Meta memblokir sementara karena dugaan pelanggaran kebijakan; "
                              "tunggu, periksa Kualitas Akun, lalu kirim ulang"),
    100: Rule(Kind.PERMANENT, "parameter permintaan tidak sah"),
}

#: Token subcodes that come with code 190/102.
TOKEN_SUBCODES: dict[int, Rule] = {
    458: Rule(Kind.PERMANENT, "aplikasi tidak lagi terpasang di akun — buat token baru"),
    459: Rule(Kind.PERMANENT, "akun perlu masuk ke Facebook dan menyelesaikan pemeriksaan "
                              "keamanan — lalu buat token baru"),
    460: Rule(Kind.PERMANENT, "kata sandi akun berubah — buat token baru"),
    463: Rule(Kind.PERMANENT, "token akses kedaluwarsa — buat token baru"),
    464: Rule(Kind.PERMANENT, "akun belum dikonfirmasi — masuk ke Facebook dan selesaikan"),
    467: Rule(Kind.PERMANENT, "token akses tidak sah — buat token baru"),
    492: Rule(Kind.PERMANENT, "sesi tidak sah — buat token baru"),
}

_STATUSES: dict[int, Rule] = {
    401: _TOKEN,
    429: _THROTTLE,
    500: _TRANSIENT, 502: _TRANSIENT, 503: _TRANSIENT, 504: _TRANSIENT,
}

FACEBOOK = Table(
    platform="Facebook",
    subcodes=TOKEN_SUBCODES,
    codes={
        **COMMON_CODES,
        # "Duplicate posts cannot be published consecutively": an identical post exists, so the
        # earlier attempt most likely went out — look at the Page before anything else.
        506: Rule(Kind.UNCONFIRMED, "Facebook menolak unggahan kembar: unggahan yang sama "
                                    "sudah ada di Halaman"),
        1609005: Rule(Kind.PERMANENT, "Facebook gagal mengambil tautan di keterangan"),
        324: Rule(Kind.PERMANENT, "foto tidak dapat diproses Facebook (berkas rusak atau "
                                  "format tidak didukung)"),
        # Video uploads (Graph API error codes): 351 "problem with your video file", 352
        # "format we don't support".
        351: Rule(Kind.PERMANENT, "video tidak dapat diproses Facebook (berkas rusak atau "
                                  "tidak memenuhi syarat Reels)"),
        352: Rule(Kind.PERMANENT, "format video tidak didukung Facebook"),
    },
    statuses=_STATUSES,
    transient=_TRANSIENT,
    client_error=Rule(Kind.PERMANENT, "Facebook menolak permintaan"),
    unknown=Rule(Kind.TRANSIENT, "jawaban Facebook tidak jelas"),
)

_RECREATE = {"recreate": True}

INSTAGRAM = Table(
    platform="Instagram",
    subcodes={
        **TOKEN_SUBCODES,
        2207001: Rule(Kind.TRANSIENT, "galat server Instagram; dicoba lagi"),
        2207003: Rule(Kind.RETRY, "waktu Instagram mengunduh gambar habis; dicoba lagi dengan "
                                  "container baru", **_RECREATE),
        2207004: Rule(Kind.PERMANENT, "gambar terlalu besar: harus kurang dari 8 MiB"),
        2207005: Rule(Kind.PERMANENT, "format gambar tidak didukung: Instagram hanya menerima "
                                      "JPEG"),
        2207006: Rule(Kind.RETRY, "media tidak ditemukan (izin kurang atau token kedaluwarsa); "
                                  "dicoba lagi dengan container baru", **_RECREATE),
        2207008: Rule(Kind.RETRY, "container sementara tidak ditemukan; dicoba lagi dalam 30 "
                                  "detik–2 menit", wait=60.0),
        2207009: Rule(Kind.PERMANENT, "rasio gambar tidak diterima: harus antara 4:5 dan "
                                      "1,91:1"),
        2207010: Rule(Kind.PERMANENT, "keterangan terlalu panjang: maks. 2.200 karakter, 30 "
                                      "tagar, 20 sebutan @"),
        2207020: Rule(Kind.RETRY, "container kedaluwarsa (lebih dari 24 jam); dibuat ulang",
                      wait=0.0, **_RECREATE),
        2207023: Rule(Kind.PERMANENT, "jenis media tidak dikenal Instagram"),
        2207026: Rule(Kind.PERMANENT, "format video tidak didukung Instagram"),
        2207027: Rule(Kind.WAIT, "media belum siap diterbitkan; status container diperiksa "
                                 "lagi", wait=60.0),
        2207028: Rule(Kind.PERMANENT, "carousel harus berisi 2–10 foto/video"),
        2207032: Rule(Kind.RETRY, "Instagram gagal membuat container; dicoba lagi",
                      **_RECREATE),
        # "The app user has reached their daily publishing limit": the channel computes when
        # the rolling 24-hour window frees a place.
        2207042: Rule(Kind.WAIT, "batas harian unggahan lewat API tercapai", wait=24 * HOUR),
        2207050: Rule(Kind.PERMANENT, "akun profesional Instagram tidak aktif, perlu "
                                      "verifikasi, atau dibatasi — masuk ke aplikasi Instagram "
                                      "dan selesaikan yang diminta"),
        # "We restrict certain activity to protect our community": suspected spam. Retrying
        # would make it worse; a human appeals if it is a mistake.
        2207051: Rule(Kind.PERMANENT, "Instagram membatasi aktivitas ini karena dicurigai spam; "
                                      "tidak dicoba ulang otomatis — ajukan keberatan di "
                                      "Instagram bila keliru"),
        2207052: Rule(Kind.PERMANENT, "gambar tidak dapat diambil Instagram dari URL publiknya "
                                      "(periksa publish.instagram.public_base_url)"),
        2207053: Rule(Kind.RETRY, "galat unggah yang tidak dikenal; dicoba lagi dengan "
                                  "container baru", **_RECREATE),
        2207057: Rule(Kind.PERMANENT, "posisi thumbnail di luar durasi video"),
    },
    codes={
        **COMMON_CODES,
        9007: Rule(Kind.WAIT, "media belum siap diterbitkan", wait=60.0),
        9004: Rule(Kind.PERMANENT, "gambar tidak dapat diambil Instagram dari URL publiknya"),
        24: Rule(Kind.RETRY, "container tidak ditemukan; dicoba lagi", wait=60.0),
        25: Rule(Kind.PERMANENT, "akun Instagram tidak aktif atau dibatasi"),
        36000: Rule(Kind.PERMANENT, "gambar terlalu besar (maks. 8 MiB)"),
        36001: Rule(Kind.PERMANENT, "format gambar tidak didukung (hanya JPEG)"),
        36003: Rule(Kind.PERMANENT, "rasio gambar harus antara 4:5 dan 1,91:1"),
        36004: Rule(Kind.PERMANENT, "keterangan terlalu panjang"),
    },
    statuses=_STATUSES,
    transient=_TRANSIENT,
    client_error=Rule(Kind.PERMANENT, "Instagram menolak permintaan"),
    unknown=Rule(Kind.TRANSIENT, "jawaban Instagram tidak jelas"),
)

#: Instagram subcodes after which a container can never be published: make a new one.
RECREATE_SUBCODES = frozenset(s for s, r in INSTAGRAM.subcodes.items() if r.recreate)
