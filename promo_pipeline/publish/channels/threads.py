"""Threads: a caption channel only. Posts are written for it, not published to it.

Threads accepts 500 characters counted as UTF-8 bytes (an emoji is 4), so Indonesian text with
emoji is measured in bytes. There is no publishing API client here; staff post by hand.
"""

from __future__ import annotations

from promo_pipeline.publish.channels.base import CaptionLimit, Channel


class ThreadsChannel(Channel):
    name = "threads"
    label = "Threads"
    caption = CaptionLimit(500, "utf8")
    publishes = False
