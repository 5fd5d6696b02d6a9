"""Who hears about which offices' posts: the *audiences* of a Kanwil install.

An office with its own ``[offices.notify]`` is told alone, with its own secret variables when
set (``PROMO_TELEGRAM_TOKEN_<SUFFIX>``, ``PROMO_SMTP_PASSWORD_<SUFFIX>``); the offices without
one share the top-level ``[notify]``. Settings read: ``[notify]``, ``offices[].notify``,
``offices[].name``, ``offices[].secret_suffix``, the review page address.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from promo_pipeline.config import Config, secret_env
from promo_pipeline.config.model import Notify, Office
from promo_pipeline.config.secrets import APP_SECRETS, env_value
from promo_pipeline.notify.send import review_url
from promo_pipeline.publish.channels import office_env


@dataclass(frozen=True)
class Audience:
    """Who is told about some offices' posts: one resolved ``[notify]`` and its secrets."""

    settings: Notify
    office_ids: tuple[str | None, ...]   # the offices it hears about (None: posts of no office)
    names: tuple[str, ...]               # their names, for the message
    #: The office whose own ``[offices.notify]`` this is (None: the top-level ``[notify]``).
    own: str | None = None
    telegram_env: str = ""               # the variable its bot token is read from
    smtp_env: str = ""                   # the variable its SMTP password is read from

    @property
    def label(self) -> str:
        """Its key in the returned outcomes: ``""`` for the top level, else the office id."""
        return self.own or ""

    def offices_text(self) -> str:
        return ", ".join(self.names) or "kantor Anda"


def _own_env(var: str, office: Office) -> str:
    own = office_env(var, office.env_suffix)
    return own if env_value(own) else var


def audiences(cfg: Config, office_ids: Iterable[str | None] | None = None) -> list[Audience]:
    """The audiences of *office_ids* (default: every office), in the order of the offices.

    An office with ``[offices.notify]`` gets its settings and, when set, its own secret
    variables; every other office (and a post of no office) the top-level ``[notify]``.
    """
    wanted = list(dict.fromkeys([o.id for o in cfg.offices] if office_ids is None
                                else office_ids))
    tg_var, smtp_var = secret_env("telegram"), APP_SECRETS["smtp"]
    groups: dict[tuple[str, str, str], Audience] = {}
    for oid in wanted:
        office = cfg.office(oid) if oid else None
        if office is not None and office.notify is not None:
            key = (repr(office.notify), _own_env(tg_var, office), _own_env(smtp_var, office))
            own: str | None = office.id
        else:
            key, own = (repr(cfg.notify), tg_var, smtp_var), None
        name = office.name if office is not None else None
        found = groups.get(key)
        if found is None:
            groups[key] = Audience(cfg.notify_for(own), (oid,), (name,) if name else (), own,
                                   key[1], key[2])
        else:
            groups[key] = Audience(found.settings, (*found.office_ids, oid),
                                   found.names + ((name,) if name else ()), found.own,
                                   found.telegram_env, found.smtp_env)
    return list(groups.values())


def install(cfg: Config) -> Audience:
    """The top-level ``[notify]`` naming every office (a notice not split by office)."""
    return Audience(cfg.notify, (), tuple(o.name for o in cfg.offices), None,
                    secret_env("telegram"), APP_SECRETS["smtp"])


def queue_url(cfg: Config, audience: Audience) -> str:
    """The review queue, filtered to the audience's office when it hears about one of
    several offices."""
    ids = [i for i in audience.office_ids if i]
    if len(ids) == 1 and len(cfg.offices) > 1:
        from urllib.parse import quote

        return review_url(cfg, f"/queue?office={quote(ids[0], safe='')}")
    return review_url(cfg, "/queue")
