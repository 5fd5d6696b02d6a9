"""A post's clip on the platforms: Telegram ``sendVideo`` / mixed albums, Instagram Reels,
Facebook Reels — against the fake Bot API and Graph API on 127.0.0.1, with real MP4 files.

The rule (README "Video"): Telegram sends the clip with the stills (one album) or alone;
Instagram and Facebook send a post that has a clip as a Reel instead of its stills (Facebook
only a 9:16 clip); ``video = false`` keeps a channel on stills. The outbox's guarantees are the
photos': claim before the call, unconfirmed on doubt, looked up where the platform can tell,
never re-sent blindly.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from fake_graph import REEL_ERROR
from fake_media import make_mp4
from fake_platforms import add_lot, add_post, make_jpeg
from publish_project import Sleeper, make_project, with_publish

from promo_pipeline.publish.channels.base import VideoFacts
from promo_pipeline.publish.channels.facebook import REEL
from promo_pipeline.publish.channels.instagram import InstagramChannel
from promo_pipeline.publish.channels.telegram import VIDEO, TelegramSettings
from promo_pipeline.publish.outbox import publish

HASH = "0123456789abcdef"


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Real MP4s, made once: a 9:16 reel, a 4:5 clip, a reel too short for the platforms and
    one in MPEG-4 Part 2 (not H.264)."""
    root = tmp_path_factory.mktemp("clips")
    made = {
        "reel": make_mp4(root / "reel.mp4", (540, 960), 4.0),
        "clip": make_mp4(root / "clip.mp4", (432, 540), 4.0),
        "short": make_mp4(root / "short.mp4", (540, 960), 2.0),
    }
    import av

    with av.open(str(root / "mpeg4.mp4"), "w", format="mp4") as out:
        v = out.add_stream("mpeg4", rate=30)
        v.width, v.height, v.pix_fmt = 540, 960, "yuv420p"
        from PIL import Image

        for i in range(120):
            frame = av.VideoFrame.from_image(Image.new("RGB", (540, 960), (i, 40, 90)))
            for packet in v.encode(frame):
                out.mux(packet)
        for packet in v.encode(None):
            out.mux(packet)
    made["mpeg4"] = root / "mpeg4.mp4"
    return made


pytestmark = pytest.mark.usefixtures("tokens")


def project(tmp_path, fake, channels, static=None):
    p = make_project(tmp_path, channels, fake, public_base_url=static.url if static else "")
    add_lot(p.db, "lot-1", ends_in=timedelta(days=5))
    return p


def video_post(p, clips, *, designs=("reel",), stills: int = 1, source: str | None = None,
               poster: bool = True) -> int:
    """An approved post of lot-1 with *stills* feed images (+ a story) and the clips of
    *designs*, named as the renderer names them (``reel-<hash>.mp4`` + its poster frame)."""
    post_id = add_post(p.db, p.cfg, "lot-1", images=max(stills, 1), story=stills > 0)
    rels = json.loads(p.db["posts"].get(post_id)["images"]) if stills else []
    for design in designs:
        clip = p.cfg.output_dir / "render" / "lot-1" / f"{design}-{HASH}.mp4"
        shutil.copyfile(clips[source or design], clip)
        if poster:
            make_jpeg(clip.with_name(f"{design}-{HASH}.poster.jpg"), (270, 480), (20, 60, 120))
        rels.append(clip.relative_to(p.cfg.output_dir).as_posix())
    p.db["posts"].update(post_id, {"images": json.dumps(rels)})
    return post_id


def run(p, t: Sleeper, cfg=None):
    return publish(cfg or p.cfg, p.db, now=True, clock=t.clock, sleep=t.sleep, notify=False)


# --- Telegram -------------------------------------------------------------------------------------


def test_telegram_sends_the_stills_and_the_clip_as_one_album(tmp_path, fake, t, clips):
    p = project(tmp_path, fake, ["telegram"])
    post_id = video_post(p, clips)
    summary = run(p, t)
    assert summary.sent == 1 and fake.violations == []
    (msg,) = fake.telegram_posts()
    assert msg["method"] == "sendMediaGroup" and msg["order"] == ["photo", "video"]
    assert "Rp98.500.000" in msg["caption"]  # on the first item only (the fake checks)
    (video,) = msg["videos"]
    assert video["supports_streaming"] and video["cover"]
    assert (video["width"], video["height"], video["duration"]) == (540, 960, 4)
    (d,) = p.deliveries()
    assert d["status"] == "sent" and p.post_status(post_id) == "published"


def test_telegram_sends_a_clip_alone_with_send_video(tmp_path, fake, t, clips):
    p = project(tmp_path, fake, ["telegram"])
    video_post(p, clips, stills=0, poster=False)
    assert run(p, t).sent == 1 and fake.violations == []
    (msg,) = fake.telegram_posts()
    assert msg["method"] == "sendVideo" and "Rp98.500.000" in msg["caption"]
    assert msg["videos"][0]["supports_streaming"] and not msg["videos"][0]["cover"]


def test_telegram_sends_a_long_caption_as_text_after_the_video(tmp_path, fake, t, clips):
    from publish_project import long_caption

    p = project(tmp_path, fake, ["telegram"])
    post_id = video_post(p, clips, stills=0)
    captions = json.loads(p.db["posts"].get(post_id)["captions"])
    captions["telegram"] = long_caption(1500)
    p.db["posts"].update(post_id, {"captions": json.dumps(captions)})
    assert run(p, t).sent == 1 and fake.violations == []
    video, text = fake.telegram
    assert video["method"] == "sendVideo" and video["caption"] == ""
    assert text["method"] == "sendMessage" and text["text"].endswith("detail-auction/lot-1")


def test_telegram_video_off_sends_only_the_stills(tmp_path, fake, t, clips):
    p = project(tmp_path, fake, ["telegram"])
    video_post(p, clips)
    section = TelegramSettings(chat_id="@kpknlbima", api_base=fake.url, min_interval=0,
                               video=False)
    run(p, t, with_publish(p.cfg, sections={"telegram": section}))
    (msg,) = fake.telegram_posts()
    assert msg["method"] == "sendPhoto" and "videos" not in msg


def test_telegram_video_whose_answer_is_lost_is_unconfirmed_and_never_resent(tmp_path, fake, t,
                                                                            clips):
    p = project(tmp_path, fake, ["telegram"])
    post_id = video_post(p, clips, stills=0)
    fake.expect("telegram.sendVideo", "drop_after_accept")
    assert run(p, t).unconfirmed == 1
    (d,) = p.deliveries()
    assert d["status"] == "unconfirmed" and "t.me/kpknlbima" in d["last_error"]
    t.advance(hours=1)
    run(p, t)
    assert len(fake.telegram_posts()) == 1  # accepted once, never sent again
    assert p.deliveries()[0]["status"] == "unconfirmed"
    assert p.post_status(post_id) == "unconfirmed"


def test_telegram_flood_answer_on_a_video_waits_and_sends_once(tmp_path, fake, t, clips):
    p = project(tmp_path, fake, ["telegram"])
    video_post(p, clips, stills=0)
    fake.expect("telegram.sendVideo", ("error", 429, {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3}}))
    summary = run(p, t)
    assert summary.sent == 1 and len(fake.telegram_posts()) == 1
    assert p.deliveries()[0]["failures"] == 0  # a wait, not a failure


def test_a_clip_telegram_cannot_play_is_blocked_before_the_send(tmp_path, fake, t, clips):
    p = project(tmp_path, fake, ["telegram"])
    video_post(p, clips, source="mpeg4")
    assert run(p, t).failed == 1
    (d,) = p.deliveries()
    assert d["status"] == "failed" and "kodek mpeg4" in d["last_error"]
    assert fake.telegram_posts() == [] and not any("send" in c for c in fake.calls)


def test_telegram_refuses_a_video_over_50_mb_and_nothing_is_sent(tmp_path, fake, clips):
    """The fake is as strict as the Bot API's upload limit (the outbox blocks such a clip
    before the call; here the client sends it anyway)."""
    from fake_platforms import TELEGRAM_TOKEN

    from promo_pipeline.errors import PermanentPublishError
    from promo_pipeline.publish.telegram_bot import TelegramBot, Video

    big = tmp_path / "big.mp4"
    big.write_bytes(clips["reel"].read_bytes() + bytes(50 * 1024 * 1024))
    bot = TelegramBot(fake.url, TELEGRAM_TOKEN, "@kpknlbima", timeout=20,
                      token_env="PROMO_TELEGRAM_TOKEN")
    try:
        with pytest.raises(PermanentPublishError, match=r"video maks\. 50 MB"):
            bot.send_media([], Video(big, 540, 960, 4.0))
    finally:
        bot.close()
    assert fake.telegram == [] and "sendVideo: Request Entity Too Large" in fake.violations


def test_video_limits_read_like_the_platforms_say():
    big = VideoFacts("reel.mp4", 51 * 1024 * 1024, codec="h264", width=1080, height=1920,
                     fps=30, duration=14, pix_fmt="yuv420p", audio_codec="aac",
                     audio_rate=48_000, faststart=True)
    assert VIDEO.problems(big, "Telegram") == [
        "reel.mp4: 51,0 MB, melebihi batas video Telegram 50 MB"]
    fine = VideoFacts("reel.mp4", 8_000_000, codec="h264", width=1080, height=1920, fps=30,
                      duration=14, pix_fmt="yuv420p", audio_codec="aac", audio_rate=48_000,
                      faststart=True)
    assert REEL.problems(fine) == [] and InstagramChannel.video.problems(fine) == []
    square = VideoFacts("clip.mp4", 8_000_000, codec="h264", width=1080, height=1350, fps=30,
                        duration=95.5, pix_fmt="yuv420p", audio_codec="aac", audio_rate=96_000,
                        faststart=False)
    assert REEL.problems(square, "Facebook") == [
        "clip.mp4: durasi 95,5 dtk di luar 3–90 dtk yang diterima Facebook",
        "clip.mp4: rasio 1080×1350 di luar yang diterima Facebook (9:16 sampai 9:16)",
        "clip.mp4: audio 96000 Hz melebihi 48000 Hz (Facebook)"]
    assert "atom moov tidak di awal berkas" in " ".join(
        InstagramChannel.video.problems(square, "Instagram"))


# --- Instagram Reels ------------------------------------------------------------------------------


def test_instagram_publishes_a_post_with_a_clip_as_a_reel(tmp_path, fake, static, t, clips):
    p = project(tmp_path, fake, ["instagram"], static)
    post_id = video_post(p, clips, designs=("clip", "reel"))
    summary = run(p, t)
    assert summary.sent == 1, p.deliveries()
    assert fake.violations == []
    (media,) = fake.instagram
    assert media["media_type"] == "REELS" and media["images"] == []
    assert media["video"] == __import__("fake_media").digest(clips["reel"].read_bytes())
    (container,) = fake.containers.values()  # one container: no still was sent
    assert container["reel"] and container["cover"] and container["share_to_feed"]
    assert container["polls"] > fake.ig_video_polls  # polled until FINISHED, then published
    assert fake.calls.count("POST ig.media_publish") == 1
    (d,) = p.deliveries()
    assert d["remote_id"] == media["id"] and d["remote_url"] == media["permalink"]
    assert p.post_status(post_id) == "published"


def test_a_reel_published_but_answered_with_a_dropped_connection_is_found(tmp_path, fake, static,
                                                                        t, clips):
    p = project(tmp_path, fake, ["instagram"], static)
    video_post(p, clips)
    fake.expect("ig.media_publish", "drop_after_accept")
    summary = run(p, t)
    assert summary.sent == 1 and len(fake.instagram) == 1  # the container said PUBLISHED
    assert p.deliveries()[0]["remote_id"] == fake.instagram[0]["id"]
    assert fake.violations == []


def test_a_reel_instagram_refuses_while_processing_fails_with_its_subcode(tmp_path, fake, static,
                                                                         t, clips):
    p = project(tmp_path, fake, ["instagram"], static)
    post_id = video_post(p, clips)
    fake.expect("ig.container", ("error", REEL_ERROR.format(2207026)))
    assert run(p, t).failed == 1
    (d,) = p.deliveries()
    assert "2207026" in d["last_error"] and "format video tidak didukung" in d["last_error"]
    assert "MP4 H.264" in d["last_error"] and fake.instagram == []
    assert p.post_status(post_id) == "failed"


def test_a_reel_shorter_than_three_seconds_is_blocked_before_any_container(tmp_path, fake,
                                                                          static, t, clips):
    p = project(tmp_path, fake, ["instagram"], static)
    video_post(p, clips, source="short")
    assert run(p, t).failed == 1
    (d,) = p.deliveries()
    assert "durasi 2,0 dtk di luar 3–90 dtk yang diterima Instagram" in d["last_error"]
    assert "POST ig.media" not in fake.calls and fake.containers == {}


# --- Facebook Reels -------------------------------------------------------------------------------


def test_facebook_publishes_a_reel_in_three_phases(tmp_path, fake, t, clips):
    p = project(tmp_path, fake, ["facebook"])
    post_id = video_post(p, clips, stills=2)
    summary = run(p, t)
    assert summary.sent == 1 and fake.violations == []
    (post,) = fake.facebook
    assert post["reel"] and post["photos"] == [] and "Rp98.500.000" in post["message"]
    assert fake.fb_unpublished == {}  # no photo was uploaded
    assert [c for c in fake.calls if "video_reels" in c or "rupload" in c] == [
        "POST fb.video_reels", "POST fb.rupload", "POST fb.video_reels"]
    (d,) = p.deliveries()
    assert d["remote_id"] == post["id"]
    assert d["remote_url"] == f"https://www.facebook.com/reel/{post['id']}"
    assert p.post_status(post_id) == "published"


def test_a_reel_finish_whose_answer_is_lost_is_found_by_its_status(tmp_path, fake, t, clips):
    p = project(tmp_path, fake, ["facebook"])
    post_id = video_post(p, clips)
    fake.expect("fb.video_reels", "ok", "drop_after_accept")
    assert run(p, t).unconfirmed == 1
    (d,) = p.deliveries()
    assert d["status"] == "unconfirmed" and len(fake.facebook) == 1
    t.advance(seconds=61)
    run(p, t)
    (d,) = p.deliveries()
    assert d["status"] == "sent" and d["remote_id"] == fake.facebook[0]["id"]
    assert len(fake.facebook) == 1 and fake.violations == []  # never finished twice
    assert p.post_status(post_id) == "published"


def test_a_reel_finish_refused_by_a_server_error_is_sent_again_after_its_status(tmp_path, fake,
                                                                               t, clips):
    """A 500 with code 2 on ``finish`` does not prove nothing was published: unconfirmed.
    The video's status then says the publishing phase never started: ``finish`` again with the
    same upload, once."""
    p = project(tmp_path, fake, ["facebook"])
    video_post(p, clips)
    fake.expect("fb.video_reels", "ok", ("error", 500, {"error": {
        "message": "An unexpected error has occurred.", "type": "OAuthException", "code": 2,
        "is_transient": True}}))
    run(p, t)
    assert p.deliveries()[0]["status"] == "unconfirmed" and fake.facebook == []
    t.advance(seconds=61)
    summary = run(p, t)
    assert summary.sent == 1 and len(fake.facebook) == 1 and fake.violations == []
    assert [c for c in fake.calls if "rupload" in c] == ["POST fb.rupload"]  # uploaded once
    assert len(fake.fb_videos) == 1


def test_an_upload_that_broke_off_resumes_where_meta_says(tmp_path, fake, t, clips):
    p = project(tmp_path, fake, ["facebook"])
    video_post(p, clips)
    fake.expect("fb.rupload", "drop_after_accept")  # the bytes arrived; the answer did not
    summary = run(p, t)
    assert summary.sent == 1, p.deliveries()
    assert fake.violations == [] and len(fake.facebook) == 1
    (video,) = fake.fb_videos.values()
    assert video["data"] == clips["reel"].read_bytes()  # not appended twice
    assert p.deliveries()[0]["failures"] == 1


def test_a_four_by_five_clip_is_no_facebook_reel_but_is_an_instagram_reel(tmp_path, fake,
                                                                        static, t, clips):
    p = project(tmp_path, fake, ["facebook", "instagram"], static)
    video_post(p, clips, designs=("clip",))
    summary = run(p, t)
    assert summary.sent == 2 and fake.violations == []
    (post,) = fake.facebook
    assert len(post["photos"]) == 1 and not post.get("reel")  # the feed still, as before
    (media,) = fake.instagram
    assert media["media_type"] == "REELS"


def test_a_reel_too_small_for_facebook_is_blocked_before_the_upload(tmp_path, fake, t, clips):
    p = project(tmp_path, fake, ["facebook"])
    small = Path(clips["reel"]).with_name("small.mp4")
    if not small.exists():
        make_mp4(small, (270, 480), 4.0)
    clips = {**clips, "small": small}
    video_post(p, clips, source="small")
    assert run(p, t).failed == 1
    (d,) = p.deliveries()
    assert "270×480 px, lebih kecil dari minimum Facebook 540×960 px" in d["last_error"]
    assert fake.fb_videos == {} and fake.facebook == []


# --- a crash after the platform accepted ----------------------------------------------------------


@pytest.mark.crash
@pytest.mark.parametrize("channel", ["facebook", "instagram"])
def test_a_crash_after_a_reel_went_out_is_settled_by_looking(tmp_path, fake, static, clips,
                                                             channel):
    """`promo publish` dies right after the platform accepted the Reel (the delivery is left
    in ``sending``): the next run asks the platform — the Reel's status on Facebook, the
    container on Instagram — finds it and records it as sent. One Reel in all."""
    from fake_platforms import env_with_tokens, promo

    p = project(tmp_path, fake, [channel], static)
    fake.ig_video_polls = 0  # the subprocess's own clock: no polling waits
    post_id = video_post(p, clips)
    crashed = promo(p, "publish", "--now", env=env_with_tokens(
        PROMO_CRASH_AT="after_platform_accepted"))
    assert crashed.returncode == 137, crashed.stderr
    assert [d["status"] for d in p.deliveries()] == ["sending"]
    rerun = promo(p, "publish", "--now")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    (d,) = p.deliveries()
    posts = fake.facebook if channel == "facebook" else fake.instagram
    assert d["status"] == "sent" and len(posts) == 1 and d["remote_id"] == posts[0]["id"]
    assert p.post_status(post_id) == "published" and fake.violations == []
