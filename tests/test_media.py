"""What goes out, checked before it goes: the images a feed post shows, and every channel's
documented caption and media limits (pure functions over real JPEG files)."""

from __future__ import annotations

from pathlib import Path

from fake_platforms import make_jpeg

from promo_pipeline.captions.lengths import count_hashtags, count_mentions
from promo_pipeline.publish import channels as registry
from promo_pipeline.publish.channels.base import CaptionLimit, MediaFacts
from promo_pipeline.publish.media import feed_images, measure
from promo_pipeline.publish.telegram_bot import split_text, utf16_len


def test_feed_images_leaves_out_stories(tmp_path):
    feed = make_jpeg(tmp_path / "feed.jpg", (108, 135), (10, 20, 30))
    square = make_jpeg(tmp_path / "square.jpg", (108, 108), (10, 20, 30))
    story = make_jpeg(tmp_path / "story.jpg", (108, 192), (10, 20, 30))
    assert feed_images([feed, story, square], limit=10) == [feed, square]
    assert feed_images([story], limit=10) == [story]
    assert feed_images([feed, square], limit=1) == [feed]


def test_feed_images_picks_one_design_of_the_renderer(tmp_path):
    """Renderer files are ``<design>[-<slide>]-<hash16>.jpg``: a feed post shows one design."""
    def img(stem: str, size: tuple[int, int]) -> Path:
        return make_jpeg(tmp_path / f"{stem}-0123456789abcdef.jpg", size, (40, 60, 90))

    feed, story = img("feed", (108, 135)), img("story", (108, 192))
    urgent, square = img("urgent", (108, 135)), img("square", (108, 108))
    slides = [img(f"carousel-{n}", (108, 135)) for n in (2, 1, 10)]
    everything = [story, feed, urgent, square, *slides]
    assert feed_images(everything, limit=10) == [slides[1], slides[0], slides[2]]
    assert feed_images(everything, limit=2) == [slides[1], slides[0]]
    assert feed_images(everything, limit=10, design="square") == [square]
    assert feed_images([story, feed, urgent], limit=10) == [urgent]
    assert feed_images([story, feed], limit=10) == [feed]
    assert feed_images([story, feed], limit=10, design="story") == [feed]  # never a story


def test_the_review_page_and_the_publisher_read_a_file_name_alike(tmp_path):
    """One rule for "which design is this file": an office's own design may be named
    ``Promo-Kantor``; its files are grouped under that name, so the reviewer's choice holds."""
    from promo_pipeline.render.images import design_of
    from promo_pipeline.review.view import design_of as page_design_of

    own = [make_jpeg(tmp_path / f"Promo-Kantor-{n}-0123456789abcdef.jpg", (108, 135),
                     (40, 60, 90)) for n in (2, 1)]
    feed = make_jpeg(tmp_path / "feed-fedcba9876543210.jpg", (108, 135), (40, 60, 90))
    assert design_of(own[0]) == ("Promo-Kantor", 2) == page_design_of(f"images/x/{own[0].name}")
    assert design_of("images/x/reel-0123456789abcdef.poster.jpg") == ("reel", None)
    assert design_of("images/x/photo.jpg") is None
    assert feed_images([feed, *own], limit=10, design="Promo-Kantor") == [own[1], own[0]]


def test_split_text_keeps_words_and_limits():
    text = ("kata " * 3000).strip()
    parts = split_text(text, 1000)
    assert all(utf16_len(x) <= 1000 for x in parts)
    assert " ".join(parts).split() == text.split()
    assert split_text("pendek", 1000) == ["pendek"]
    assert split_text("", 10) == []


def test_utf16_len_counts_emoji_twice():
    assert utf16_len("Rp") == 2 and utf16_len("🏠") == 2


def test_hashtags_and_mentions_are_counted_the_way_instagram_counts_them():
    text = ("Lelang #LelangNegara #KPKNLBima C# &#38; @kpknl.bima halo@contoh.go.id "
            "(@djkn_kemenkeu) email: info@kpknl.go.id #2026")
    assert count_hashtags(text) == 3  # not C#, not &#38;
    assert count_mentions(text) == 2  # not the e-mail addresses


def test_instagram_caption_limits_are_blocking_findings():
    limit = registry.caption_limit("instagram")
    ok = "Lelang KPKNL Bima " + " ".join(f"#t{i}" for i in range(30))
    assert limit.problems(ok, "Instagram") == []
    too_long = "🏠" * 1101  # 2,202 UTF-16 units
    assert limit.problems(too_long, "Instagram") == [
        "Keterangan Instagram 2.202 karakter, melebihi batas 2.200"]
    tags = ok + " #t30"
    assert limit.problems(tags) == ["Keterangan memuat 31 tagar, melebihi batas 30"]
    mentions = " ".join(f"@akun{i}" for i in range(21))
    assert limit.problems(mentions) == ["Keterangan memuat 21 sebutan @, melebihi batas 20"]
    assert CaptionLimit(100).problems("#a #b #c @x") == []  # no tag limits unless declared


def facts(name: str, w: int, h: int, *, fmt: str = "JPEG", size: int = 300_000) -> MediaFacts:
    return MediaFacts(name, fmt, size, w, h)


def test_every_publishing_channel_declares_its_media_limits():
    ig = registry.get("instagram").media
    tg = registry.get("telegram").media
    fb = registry.get("facebook").media
    assert ig and tg and fb
    assert ig.problems([facts("a.jpg", 1080, 1350)]) == []
    assert ig.problems([facts("a.jpg", 1080, 1080), facts("b.jpg", 1080, 566)]) == []
    assert "4:5" in " ".join(ig.problems([facts("story.jpg", 1080, 1920)]))
    assert "JPEG" in " ".join(ig.problems([facts("a.png", 1080, 1350, fmt="PNG")]))
    assert "8 MB" in " ".join(ig.problems([facts("a.jpg", 1080, 1350, size=9 * 2**20)]))
    assert "320" in " ".join(ig.problems([facts("a.jpg", 300, 300)]))
    assert "2–10" in " ".join(ig.problems([facts(f"{i}.jpg", 1080, 1350) for i in range(11)]))
    assert tg.problems([facts("a.jpg", 1080, 1920)]) == []  # Telegram takes any ratio ≤ 20
    assert "10000" in " ".join(tg.problems([facts("a.jpg", 9000, 1100)]))
    assert "10 MB" in " ".join(tg.problems([facts("a.jpg", 1080, 1350, size=11 * 2**20)]))
    assert fb.problems([facts("a.png", 1080, 1350, fmt="PNG")]) == []
    assert "4 MB" in " ".join(fb.problems([facts("a.jpg", 1080, 1350, size=5 * 2**20)]))


def test_measure_reads_the_header_only(tmp_path):
    jpeg = make_jpeg(tmp_path / "a.jpg", (432, 540), (1, 2, 3))
    got = measure(jpeg)
    assert (got.format, got.width, got.height) == ("JPEG", 432, 540)
    assert got.size_bytes == jpeg.stat().st_size
    broken = tmp_path / "b.jpg"
    broken.write_bytes(b"\xff\xd8\xff" + b"0" * 20)
    assert measure(broken).format is None
    assert registry.get("instagram").media.problems([measure(broken)]) == [
        "b.jpg: gambar tidak dapat dibaca"]
