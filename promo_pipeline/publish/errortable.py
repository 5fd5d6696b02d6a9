"""What a platform's error answer proves, as data: one table per platform, one lookup here.

Settings read: none.

Every answer that is not a success becomes one :class:`Rule`, found by the platform's own
subcode, code, HTTP status or text (:meth:`Table.rule`), and then one of the outbox's error
kinds (:func:`error_for`):

- ``RETRY`` — nothing was posted; retried later, counted against ``publish.retries``;
- ``WAIT`` — nothing was posted because a window is full (throttling, a daily quota, a container
  still processing): the delivery moves to when the window allows, never counted as a failure;
- ``PERMANENT`` — refused for good: a human fixes the token, a permission, the media or the
  caption;
- ``UNCONFIRMED`` — the post may be live: never re-sent blindly (reconciled where the platform
  lets us look, else a human decides);
- ``TRANSIENT`` — the platform calls it temporary but does not say nothing was written (Meta's
  codes 1/2 and ``is_transient``, HTTP 5xx): ``RETRY`` on a step that publishes nothing,
  ``UNCONFIRMED`` on a step that may publish.

The tables live next to their clients' documentation: :mod:`.telegram_errors`,
:mod:`.graph_errors` (Facebook and Instagram). Messages are Indonesian for the reviewers, taken
from the platform's documented meaning and followed by the platform's own text.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from promo_pipeline.errors import (
    PermanentPublishError,
    PublishError,
    RateLimitedPublishError,
    RetryablePublishError,
    UnconfirmedPublishError,
)


class Kind(enum.StrEnum):
    RETRY = "retry"
    WAIT = "wait"
    PERMANENT = "permanent"
    UNCONFIRMED = "unconfirmed"
    TRANSIENT = "transient"


@dataclass(frozen=True)
class Rule:
    """What one documented error means and what the outbox does about it."""

    kind: Kind
    says: str  # Indonesian, for the reviewers
    wait: float | None = None  # seconds to wait (WAIT, or RETRY after a short pause)
    #: Instagram: the container can never be published; make a new one on the next attempt.
    recreate: bool = False


@dataclass(frozen=True)
class Table:
    """One platform's errors. Lookup order: subcode, HTTP status (only 401/429/5xx-style
    statuses are listed), ``is_transient``, code, a fragment of the error text, then the
    4xx / anything-else defaults."""

    platform: str
    subcodes: Mapping[int, Rule] = field(default_factory=dict)
    codes: Mapping[int, Rule] = field(default_factory=dict)
    statuses: Mapping[int, Rule] = field(default_factory=dict)
    texts: Sequence[tuple[str, Rule]] = ()
    transient: Rule | None = None
    client_error: Rule = Rule(Kind.PERMANENT, "permintaan ditolak")
    unknown: Rule = Rule(Kind.TRANSIENT, "jawaban tidak jelas")

    def rule(self, *, status: int, code: int | None = None, subcode: int | None = None,
             text: str = "", is_transient: bool = False) -> Rule:
        """The rule for one error answer."""
        if subcode is not None and subcode in self.subcodes:
            return self.subcodes[subcode]
        if status in self.statuses:
            return self.statuses[status]
        if is_transient and self.transient is not None:
            return self.transient
        if code is not None and code in self.codes:
            return self.codes[code]
        if isinstance(code, int) and 200 <= code <= 299 and 200 in self.codes:
            return self.codes[200]  # Graph's "API Permission (multiple values)"
        low = text.lower()
        for fragment, found in self.texts:
            if fragment.lower() in low:
                return found
        if 400 <= status < 500:
            return self.client_error
        return self.unknown

    def kind_of(self, rule: Rule, *, irreversible: bool) -> Kind:
        """The rule's kind for a step that may publish (*irreversible*) or not."""
        if rule.kind is Kind.TRANSIENT:
            return Kind.UNCONFIRMED if irreversible else Kind.RETRY
        if rule.kind is Kind.UNCONFIRMED and not irreversible:
            return Kind.RETRY
        return rule.kind


def error_for(table: Table, rule: Rule, *, irreversible: bool, what: str, detail: str,
              channel: str, code: str | None = None, wait: float | None = None,
              hint: str = "") -> PublishError:
    """The outbox's exception for *rule* met on step *what*: the Indonesian meaning, the
    platform's own text (*detail*) and, when the post may be live, what happens next."""
    kind = table.kind_of(rule, irreversible=irreversible)
    where = f"{table.platform} ({what})"
    text = f"{where}: {rule.says}"
    if detail and detail.strip().lower() not in rule.says.lower():
        text += f" — {detail.strip()}"
    if code:
        text += f" [kode {code}]"
    if hint:
        text += f"; {hint}"
    delay = wait if wait is not None else rule.wait
    if kind is Kind.WAIT:
        return RateLimitedPublishError(text, channel=channel, code=code,
                                       retry_after=delay if delay is not None else 3600.0)
    if kind is Kind.RETRY:
        return RetryablePublishError(text, channel=channel, code=code, retry_after=delay)
    if kind is Kind.PERMANENT:
        return PermanentPublishError(text, channel=channel, code=code)
    return UnconfirmedPublishError(
        text + "; unggahan mungkin sudah tayang — tidak dikirim ulang tanpa pemeriksaan",
        channel=channel, code=code)


def code_text(code: object, subcode: object = None) -> str | None:
    """``"9/2207042"`` (code and subcode), ``"190"``, or None."""
    if code is None and subcode is None:
        return None
    return f"{code}/{subcode}" if subcode is not None else str(code)


def subcode_of(code: str | None) -> int | None:
    """The subcode in a :func:`code_text` value, if any."""
    if not code or "/" not in code:
        return None
    try:
        return int(code.rsplit("/", 1)[1])
    except ValueError:
        return None
