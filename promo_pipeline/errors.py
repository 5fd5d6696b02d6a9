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
    """The lelang.go.id API (or the photo host) could not give a usable answer."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


class RetryableFetchError(FetchError, RetryableError):
    """Connection error, timeout, 429 or 5xx: worth retrying with backoff."""


class PermanentFetchError(FetchError, PermanentError):
    """A 4xx other than 429, a body that is not JSON, a body over the size cap."""


class ParseError(PermanentError):
    """An API item that cannot be turned into a :class:`~promo_pipeline.lots.Lot`."""

    def __init__(self, message: str, *, lot_id: str | None = None):
        super().__init__(message)
        self.lot_id = lot_id


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
