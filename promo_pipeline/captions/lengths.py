"""Caption length as each platform counts it, and whether a caption fits its channel.

The limits are the channel registry's (:mod:`promo_pipeline.publish.channels`: each channel
declares a :class:`~promo_pipeline.publish.channels.base.CaptionLimit`), and so is the way each
platform counts (``utf16`` for Telegram, Instagram and Facebook, ``weighted`` for X, ``utf8``
bytes for Threads): :func:`measure` asks the channel's limit. Hashtags and @mentions are counted
here, for the channels that limit them. Other code reads limits from the registry too.
"""

from __future__ import annotations

import re

from promo_pipeline.publish import channels as registry

# A # not after a word character, # or & (``C#``, ``&#38;``), then a word: the # first, so the
# search skips ahead to the next # in C.
_HASHTAG = re.compile(r"#(?<![\w#&]#)\w+")
# The same, without the word: a hashtag's word holds no #, so its # positions are the same.
_HASHTAG_MARK = re.compile(r"#(?<![\w#&]#)(?=\w)")
# An @ not after a word character or @ (so not an e-mail address), then a word.
_MENTION_MARK = re.compile(r"@(?<![\w@]@)(?=\w)")


def limit(channel: str) -> registry.CaptionLimit:
    """*channel*'s caption limit (:class:`KeyError` for a channel without captions)."""
    return registry.caption_limit(channel)


def measure(channel: str, text: str) -> int:
    """The length of *text* as *channel* counts it."""
    return limit(channel).measure(text)


def hashtags(text: str) -> list[str]:
    """Hashtags in *text* (``#Lelang``), in order."""
    return _HASHTAG.findall(text) if "#" in text else []


def count_hashtags(text: str) -> int:
    """``len(hashtags(text))``, faster."""
    return len(_HASHTAG_MARK.findall(text)) if "#" in text else 0


def count_mentions(text: str) -> int:
    """@mentions in *text* (``@kpknlbima``; not e-mail addresses)."""
    return len(_MENTION_MARK.findall(text)) if "@" in text else 0


def fits(channel: str, text: str) -> bool:
    """True when *text* is within *channel*'s length, hashtag and mention limits."""
    lim = limit(channel)
    if lim.measure(text) > lim.max_length:
        return False
    if lim.max_hashtags is not None and count_hashtags(text) > lim.max_hashtags:
        return False
    return lim.max_mentions is None or count_mentions(text) <= lim.max_mentions


#: The channels that have captions (the registry's, sorted).
CHANNELS: tuple[str, ...] = registry.captioned()
