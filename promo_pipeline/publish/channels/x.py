"""X (Twitter): a caption channel only. Posts are written for it, not published to it.

X counts 280 *weighted* characters: text NFC-normalised, every URL 23, CJK and emoji 2
(twitter-text). There is no publishing API client here; staff post the caption by hand.
"""

from __future__ import annotations

from promo_pipeline.publish.channels.base import CaptionLimit, Channel


class XChannel(Channel):
    name = "x"
    label = "X"
    caption = CaptionLimit(280, "weighted")
    publishes = False
