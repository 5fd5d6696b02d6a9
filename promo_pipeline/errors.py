"""Every exception the pipeline raises on purpose.

The hierarchy says *what to do* with a failure, so callers decide by type, never by message:

- :class:`RetryableError` — a transient failure (connection refused, timeout before the request
  was sent, 429, 5xx). Retrying later may succeed.
- :class:`PermanentError` — retrying the same request cannot help (4xx, bad data, bad config).

Stage-specific classes inherit from both the stage base and one of those two, so
``except FetchError`` and ``except RetryableError`` both work (the requests/urllib3 pattern).
"""

from __future__ import annotations


class PromoError(Exception):
    """Base class of every expected failure; the CLI turns these into a one-line message."""

    exit_code = 1


class RetryableError(PromoError):
    """A transient failure: the same operation may succeed later."""


class PermanentError(PromoError):
    """A failure that repeating the same operation cannot fix."""


class ConfigError(PermanentError):
    """Bad or missing configuration; the CLI exits with status 2."""

    exit_code = 2


class UsageError(PermanentError):
    """Bad command-line usage that click could not catch itself (exit status 2)."""

    exit_code = 2


class LockedError(PromoError):
    """Another run or publish holds the project lock."""

    exit_code = 3


# --- collect -------------------------------------------------------------------------------


class FetchError(PromoError):
    """The lelang.go.id API (or the photo host) could not give a usable answer.

    *kind* says what failed before any answer came (``"connect"``, ``"timeout"``, ``"tls"``);
    *status* is the HTTP status when one came; *attempts* how often it was tried.
    """

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None,
                 kind: str | None = None, attempts: int = 1):
        super().__init__(message)
        self.url = url
        self.status = status
        self.kind = kind
        self.attempts = attempts


class RetryableFetchError(FetchError, RetryableError):
    """Connection error, timeout, 429 or 5xx: worth retrying with backoff."""


class PermanentFetchError(FetchError, PermanentError):
    """A 4xx other than 429, a body that is not JSON, a body over the size cap."""


class ParseError(PermanentError):
    """An API item that cannot be turned into a :class:`~promo_pipeline.lots.Lot`. *field*: the
    source key at fault, when one is (``uangJaminan``); *missing*: that key was absent or empty
    (so a run can say "uangJaminan tidak ada" when every lot lacks it)."""

    def __init__(self, message: str, *, lot_id: str | None = None, field: str | None = None,
                 missing: bool = False):
        super().__init__(message)
        self.lot_id = lot_id
        self.field = field
        self.missing = missing


class PhotoError(PermanentError):
    """A photo that is not a safe, complete JPEG/PNG/WebP (or comes from a refused host)."""


# --- render / captions / queue ---------------------------------------------------------------


class TemplateError(PermanentError):
    """An image or caption template that cannot be loaded (names the file, line and key)."""


class RenderError(PermanentError):
    """An image could not be rendered or written."""


class TransitionError(PermanentError):
    """A post state change that the review workflow does not allow."""


class NotQueueableError(PermanentError):
    """A lot that cannot get a post: ended, withdrawn, deposit deadline passed, not approved."""


class NotFoundError(PermanentError):
    """A lot, post, user or file that does not exist."""


class AccountError(PermanentError):
    """A review-page account request that cannot be done (bad name or password, name taken)."""


class ReviewerError(AccountError):
    """A review decision without a named, existing reviewer account (exit status 2)."""

    exit_code = 2


class AdminRuleError(AccountError):
    """An account change that would remove the acting admin or leave no admin (exit status 2)."""

    exit_code = 2


class OfficeScopeError(AccountError):
    """An account acting on a post of an office it may not review (exit status 2; the review
    page answers 403). The attempt is recorded in the post's history."""

    exit_code = 2


# --- publish -------------------------------------------------------------------------------


class PublishError(PromoError):
    """A channel refused or failed a delivery. *code*: the platform's own error code, when it
    gave one (``"9/2207042"`` for Graph code 9, subcode 2207042; ``"429"`` for Telegram)."""

    def __init__(self, message: str, *, channel: str | None = None, code: str | None = None):
        super().__init__(message)
        self.channel = channel
        self.code = code


class RetryablePublishError(PublishError, RetryableError):
    """Nothing can have been posted (refused connection, a refusal that proves it): retry,
    counted against the retry budget."""

    def __init__(
        self, message: str, *, channel: str | None = None, retry_after: float | None = None,
        code: str | None = None,
    ):
        super().__init__(message, channel=channel, code=code)
        self.retry_after = retry_after


class RateLimitedPublishError(RetryablePublishError):
    """Nothing was posted because a platform window is full (throttling, a daily quota, a
    container still processing): wait *retry_after* seconds. Never counted against the retry
    budget: waiting for a window is not a failure."""


class PermanentPublishError(PublishError, PermanentError):
    """Expired token, missing permission, rejected caption: needs a human."""


class UnconfirmedPublishError(PublishError):
    """The request may have been accepted but the answer was lost: never re-send blindly."""


# --- the environment -------------------------------------------------------------------------


class StorageError(PermanentError):
    """The database or a folder cannot be used: not SQLite, under a file, not writable."""


# --- what staff read ---------------------------------------------------------------------------

#: How a network failure is said, by :attr:`FetchError.kind`.
_FETCH_KINDS = {
    "connect": "tidak bisa terhubung ke {host}",
    "timeout": "{host} tidak menjawab tepat waktu",
    "tls": "sambungan aman (TLS) ke {host} gagal",
}
NETWORK_HINT = ("periksa koneksi internet atau pengaturan proxy (HTTPS_PROXY), lalu coba lagi")
VERBOSE_HINT = "jalankan lagi dengan -v untuk rinciannya"
# errno values that mean "address in use" on Linux/macOS (98/48) and Windows (WSAEADDRINUSE).
_ADDR_IN_USE = {98, 48, 10048}


def explain(exc: BaseException) -> tuple[str, int]:
    """The one Indonesian line (cause, then a hint) and the exit status for any failure.

    Expected failures (:class:`PromoError`) carry their own message; network, operating-system
    and database errors are worded here, so no command shows a traceback for them. Anything
    else is a bug: one line naming it and how to see the details (``-v``).
    """
    import sqlite3

    if isinstance(exc, FetchError):
        return fetch_text(exc), exc.exit_code
    if isinstance(exc, ConfigError):
        return config_text(str(exc)), exc.exit_code
    if isinstance(exc, PromoError):
        return str(exc), exc.exit_code
    if isinstance(exc, OSError):
        return os_error_text(exc), 1
    if isinstance(exc, sqlite3.DatabaseError):
        return database_text(exc), 1
    return (f"galat tak terduga ({type(exc).__name__}: {exc}); {VERBOSE_HINT} dan laporkan "
            "ke pengembang"), 1


def fetch_text(exc: FetchError) -> str:
    """A network failure for staff: which host, what went wrong, what to check."""
    from urllib.parse import urlsplit

    host = urlsplit(exc.url).netloc if exc.url else "lelang.go.id"
    tries = f" ({exc.attempts} kali dicoba)" if exc.attempts > 1 else ""
    if exc.kind in _FETCH_KINDS:
        hint = NETWORK_HINT
        if urlsplit(exc.url or "").hostname in ("127.0.0.1", "localhost"):
            hint = ("server di komputer ini tidak berjalan (untuk demo: jalankan promo --config "
                    "promo-demo/config.toml demo serve di jendela lain)")
        return f"{_FETCH_KINDS[exc.kind].format(host=host)}{tries}; {hint}"
    if exc.status is not None and (exc.status >= 500 or exc.status == 429):
        return (f"{host} sedang bermasalah (HTTP {exc.status}){tries}; coba lagi nanti, atau "
                f"{NETWORK_HINT}")
    if exc.status is not None:
        return f"{host} menolak permintaan (HTTP {exc.status}): {exc}"
    return f"jawaban {host} tidak bisa dipakai: {exc}"


def os_error_text(exc: OSError, what: str | None = None) -> str:
    """An operating-system error: the path (or *what*), the cause in Indonesian, a hint."""
    import errno

    target = what or (str(exc.filename) if exc.filename is not None else "berkas")
    code = exc.errno
    if code in _ADDR_IN_USE or getattr(exc, "winerror", None) in _ADDR_IN_USE:
        return (f"{target} sudah dipakai program lain (mungkin perintah ini sudah berjalan di "
                "jendela lain); hentikan program itu atau pilih --port lain")
    if isinstance(exc, PermissionError) or code == errno.EROFS:
        return (f"tidak boleh menulis atau membaca {target}; periksa hak akses folder itu, "
                "atau arahkan storage.* di config.toml ke folder lain")
    if isinstance(exc, NotADirectoryError | FileExistsError):
        return (f"{target}: sebagian jalur ini adalah berkas, bukan folder; periksa storage.* "
                "di config.toml")
    if isinstance(exc, FileNotFoundError):
        return f"{target} tidak ditemukan"
    if code == errno.ENOSPC:
        return f"disk penuh saat menulis {target}; kosongkan ruang disk lalu coba lagi"
    reason = exc.strerror or type(exc).__name__
    return f"galat sistem pada {target}: {reason}"


def database_text(exc: BaseException, path: object = None) -> str:
    """A SQLite error for staff (*path*: the database file, when known)."""
    target = f"basis data {path}" if path is not None else "basis data"
    message = str(exc).lower()
    if "not a database" in message or "malformed" in message:
        return (f"{target} bukan berkas SQLite yang utuh (rusak atau berkas lain); periksa "
                "storage.database di config.toml atau pulihkan dari cadangan")
    if "locked" in message or "busy" in message:
        return f"{target} sedang dipakai proses lain terlalu lama; coba lagi sebentar lagi"
    if "readonly" in message or "unable to open" in message:
        return (f"{target} tidak bisa dibuka untuk ditulis; periksa hak akses berkas dan "
                "foldernya")
    return f"{target} tidak bisa dipakai: {exc}"


#: The config checks' English sentences (kept for developers and tests) as staff read them.
#: Applied in order to the message; a sentence not listed is shown as it is.
_CONFIG_WORDS: tuple[tuple[str, str], ...] = (
    (r"^unknown config key '([^']+)' \(known keys here: ", r"kunci config '\1' tidak dikenal "
     r"(yang dikenal di sini: "),
    (r"^missing required config key '([^']+)'", r"kunci config '\1' wajib ada"),
    (r"^no office configured: add an \[\[offices\]\] table with its id \(find it with ",
     r"belum ada kantor: tambahkan tabel [[offices]] dengan id-nya (cari dengan "),
    (r" is still the placeholder of the example config; find the real unitKerjaId of (.+) with ",
     r" masih id contoh; cari unitKerjaId asli \1 dengan "),
    (r"^channel '([^']+)' needs its token in the environment variable ",
     r"kanal '\1' memerlukan tokennya di variabel lingkungan "),
    (r"^channel '([^']+)' needs config key ", r"kanal '\1' memerlukan kunci config "),
    (r"^config keys? ", "kunci config "),
    (r"' and '", "' dan '"),
    (r" must be one of ", " harus salah satu dari "),
    (r" must be between (\S+) and (\S+)", r" harus antara \1 dan \2"),
    (r" must be an http\(s\) URL", " harus URL http(s)"),
    (r" must be a colour like ", " harus warna seperti "),
    (r" must be a time like ", " harus jam seperti "),
    (r" must be a positive number of seconds", " harus jumlah detik yang positif"),
    (r" must be a list of ", " harus daftar "),
    (r" must be a table", " harus tabel"),
    (r" must be an integer", " harus bilangan bulat"),
    (r" must be a number", " harus angka"),
    (r" must be a string", " harus teks"),
    (r" must be true or false", " harus true atau false"),
    (r" must be ", " harus "),
    (r" must not be empty", " tidak boleh kosong"),
    (r" repeats office ", " mengulang kantor "),
    (r" is not a known time zone: ", " bukan zona waktu yang dikenal: "),
    (r", got ", ", bukan "),
    (r"\bNAME\b", "NAMA"),
)


def config_text(message: str) -> str:
    """A configuration error for staff: the checks' sentence in Indonesian, the key unchanged."""
    import re

    for pattern, replacement in _CONFIG_WORDS:
        message = re.sub(pattern, replacement, message)
    return message
