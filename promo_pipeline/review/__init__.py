"""The staff review page: a Flask app (served by waitress) where reviewers approve, reject and edit.

Settings read: ``review.*``, ``storage.*``, ``captions.*``, ``offices`` (with their brands),
``brand``.

Public entry points (imported lazily, so ``promo`` commands that never serve the page do not pay
for importing Flask):

- :func:`create_app` ``(cfg, *, testing=False) -> Flask``
- :func:`serve` ``(cfg, host=None, port=None)``: blocks; refuses a non-loopback host while no
  account exists;
- :func:`make_server` ``(cfg, host=None, port=None)``: the waitress server, not yet running
  (tests and benchmarks run it in a thread).

Accounts and sessions live in :mod:`promo_pipeline.accounts`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from promo_pipeline.config import Config


def create_app(cfg: Config, *, testing: bool = False) -> Flask:
    from promo_pipeline.review.app import create_app as _create_app

    return _create_app(cfg, testing=testing)


def serve(cfg: Config, host: str | None = None, port: int | None = None) -> None:
    from promo_pipeline.review.app import serve as _serve

    _serve(cfg, host, port)


def make_server(cfg: Config, host: str | None = None, port: int | None = None) -> Any:
    from promo_pipeline.review.app import make_server as _make_server

    return _make_server(cfg, host, port)
