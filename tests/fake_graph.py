"""The fake Graph API: a Facebook Page and an Instagram account (a mixin of the fake platforms'
request handler), as strict as Meta documents them.

- Tokens: the right one, and of the right kind for the host — ``graph_host="facebook"``
  (graph.facebook.com) takes Facebook Login tokens (``EAA…``) only, ``"instagram"``
  (graph.instagram.com) Instagram Login tokens (``IG…``) only; a wrong pairing answers code 190
  "Invalid OAuth access token - Cannot parse access token", an old token 190/463.
- Facebook: ``/{page}/photos`` (a decodable image; ``published=false`` keeps it unpublished),
  ``/{page}/feed`` with ``attached_media`` (unknown photo ids, or ones older than 24 hours, are
  refused — Meta does not document how long it keeps them; the fake assumes a day),
  ``/{page}/published_posts`` (read back, newest first, ``since``), ``/me``.
- Instagram: ``/{user}/media`` fetches ``image_url`` itself and refuses what Instagram refuses
  (not JPEG 36001/2207005, over 8 MiB 36000/2207004, ratio outside 4:5-1.91:1 36003/2207009, a
  caption over 2,200 characters, 30 hashtags or 20 mentions 36004/2207010; widths outside
  320-1440 are rescaled by Instagram and recorded here as violations); containers finish after
  ``ig_in_progress_polls`` polls, may stay IN_PROGRESS or end in ERROR with a status text
  (plan ``"ig.container"``), and expire 24 hours after they were made; ``media_publish``
  refuses unknown (24/2207008), unfinished (9007/2207027), expired (-2/2207020) and failed
  containers, and a full 24-hour limit (9/2207042); ``content_publishing_limit``; the account's
  media read back with their permalinks.
- Instagram Reels: ``media_type=REELS`` with ``video_url`` (fetched, like images) and an
  optional ``cover_url``; the container stays ``IN_PROGRESS`` for ``ig_video_polls`` polls
  while "processing", then ``FINISHED`` — or ``ERROR`` with status text "Error: Media upload
  has failed with error code 2207026" when the video breaks Instagram's Reels rules (MP4 with
  ``moov`` first, H.264/HEVC, 3-90 s, at most 300 MB, 23-60 fps, at most 1920 px wide, AAC at
  most 48 kHz) or 2207052 when it cannot be fetched.
- Facebook Reels (Reels Publishing API): ``/{page}/video_reels`` ``upload_phase=start`` (a
  video id and an upload URL on this server), the resumable upload (``/video-upload/vNN/{id}``,
  ``Authorization: OAuth <token>``, ``offset`` must equal the bytes received so far,
  ``file_size``), ``upload_phase=finish`` with ``video_state=PUBLISHED`` (refused, code 351,
  when the upload is incomplete or the video breaks the Reels specification: 9:16, at least
  540×960, 3-90 s, 24-60 fps; code 100 for an unknown video id), and ``GET /{video-id}?
  fields=status`` with its uploading / processing / publishing phases.
- Insights (Graph v26.0 shapes, from Meta's "Instagram Media Insights" and "Page Insights"
  references): ``GET /{post-id}/insights?metric=…`` and ``GET /{post-id}?fields=shares,
  comments…,reactions…`` for Page posts, ``GET /{media-id}/insights?metric=…`` for Instagram
  media. Numbers come from :attr:`FakePlatforms.insights` (id → {metric: value}); a metric
  name Meta does not know, or has retired (``post_impressions*``, Instagram ``impressions``),
  is refused with code 100 as Meta does; no ``metric`` with 3001/1504028; an unknown object
  with 100/33; Instagram answers an empty ``data`` for media it has no numbers for.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import requests
from fake_media import digest, image_info, image_problem, video_info

DAY = 86400
REEL_ERROR = "Error: Media upload has failed with error code {}"


def ig_reel_problem(info: dict[str, Any] | None, size: int) -> str | None:
    """Why Instagram's processing refuses this clip as a Reel (None: it is fine)."""
    if info is None:
        return "not a playable video"
    if not info["moov_first"]:
        return "moov atom is not at the front"
    if info["codec"] not in ("h264", "hevc"):
        return f"codec {info['codec']}"
    if not 3 <= info["duration"] <= 90:
        return f"duration {info['duration']:.1f} s"
    if size > 300 * 1024 * 1024:
        return "over 300 MB"
    if not 23 <= info["fps"] <= 60:
        return f"{info['fps']} fps"
    if info["width"] > 1920:
        return f"width {info['width']}"
    if info["audio"] is not None and (info["audio"] != "aac" or info["audio_rate"] > 48000):
        return f"audio {info['audio']} {info['audio_rate']} Hz"
    return None


def fb_reel_problem(info: dict[str, Any] | None) -> str | None:
    """Why Facebook refuses this clip as a Reel (None: it is fine)."""
    if info is None:
        return "not a playable video"
    w, h = info["width"], info["height"]
    if abs(w / h - 9 / 16) > 0.01:
        return f"aspect ratio {w}x{h} is not 9:16"
    if w < 540 or h < 960:
        return f"{w}x{h} is under 540x960"
    if not 3 <= info["duration"] <= 90:
        return f"duration {info['duration']:.1f} s"
    if not 24 <= info["fps"] <= 60:
        return f"{info['fps']} fps"
    return None
#: Page post metrics the fake knows (Graph v26.0), and ones Meta retired (invalid metric).
FB_POST_METRICS = ("post_total_media_view_unique", "post_media_view",
                   "post_reactions_by_type_total", "post_clicks", "post_clicks_by_type",
                   "post_video_views")
FB_RETIRED = ("post_impressions", "post_impressions_unique", "post_impressions_paid",
              "post_impressions_organic", "post_engaged_users")
#: Instagram media metrics (FEED); impressions/plays/video_views are retired.
IG_MEDIA_METRICS = ("reach", "views", "likes", "comments", "shares", "saved",
                    "total_interactions", "follows", "profile_visits", "profile_activity")
_HASHTAG = re.compile(r"(?<![\w#&])#\w+")
_MENTION = re.compile(r"(?<![\w@.])@[A-Za-z0-9._]{1,30}(?![\w@])")


def _fetch(url: str) -> bytes:
    """What a platform downloads from a public URL (empty when it cannot)."""
    try:
        resp = requests.get(url, timeout=5)
    except requests.RequestException:
        return b""
    return resp.content if resp.status_code == 200 else b""


def graph_time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def graph_error(code: int, message: str, *, subcode: int | None = None, user_msg: str = "",
                transient: bool = False) -> dict[str, Any]:
    err: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                           "is_transient": transient, "fbtrace_id": "Afake"}
    if subcode is not None:
        err["error_subcode"] = subcode
    if user_msg:
        err["error_user_msg"] = user_msg
    return {"error": err}


class GraphHandler:
    """``/vNN.N/<node>[/<edge>]`` (mixed into the fake platforms' handler)."""

    fake: Any

    def _gerr(self, status: int, code: int, message: str, **kw: Any) -> None:
        self._json(status, graph_error(code, message, **kw))

    def graph_call(self, method: str, node: str, edge: str | None, body: bytes,
                   query: dict[str, list[str]]) -> None:
        fake = self.fake
        fields, files = self._form(body)
        token = fields.get("access_token") or (query.get("access_token") or [""])[0]
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth.removeprefix("Bearer ")
        is_ig = (node.startswith(("ig", "media")) or node in fake.containers
                 or fake.graph_host == "instagram")
        behaviour = self._behaviour(f"{'ig' if is_ig else 'fb'}.{edge or 'node'}")
        kind_ok = token.startswith("IG" if fake.graph_host == "instagram" else "EAA")
        if not kind_ok:
            return self._gerr(400, 190, "Invalid OAuth access token - Cannot parse access "
                                        "token")
        if token != fake.tokens["instagram" if is_ig else "facebook"]:
            return self._gerr(400, 190, "Error validating access token: Session has expired on "
                                        "Friday, 14-Mar-26 09:00:00 PDT.", subcode=463)
        refused = self.refusal(behaviour)
        if refused:
            return self._json(*refused)
        args = {k: v[0] for k, v in query.items()}
        if is_ig:
            return self._instagram(method, node, edge, fields, args, behaviour)
        return self._facebook(method, node, edge, fields, files, args, behaviour)

    # -- insights --
    def _insights(self, node: str, args: dict[str, str], known: tuple[str, ...],
                  retired: tuple[str, ...]) -> None:
        asked = [m for m in (args.get("metric") or "").split(",") if m]
        if not asked:
            return self._gerr(400, 3001, "Invalid query", subcode=1504028,
                              user_msg="No metric was specified to be fetched. Please specify "
                                       "one or more metrics to be fetched and try again.")
        for m in asked:
            if m in retired or m not in known:
                return self._gerr(400, 100, f"(#100) The value must be a valid insights "
                                            f"metric: {m}")
        numbers = self.fake.insights.get(node)
        if numbers is None and node.startswith("media"):
            return self._json(200, {"data": []})  # "an empty data set instead of 0"
        data = [{"name": m, "period": "lifetime",
                 "values": [{"value": (numbers or {}).get(m, 0)}],
                 "title": m.replace("_", " ").title(), "description": "",
                 "id": f"{node}/insights/{m}/lifetime"} for m in asked]
        return self._json(200, {"data": data})

    def _fb_post_fields(self, post_id: str, args: dict[str, str]) -> None:
        numbers = self.fake.insights.get(post_id) or {}
        out: dict[str, Any] = {"id": post_id}
        wanted = args.get("fields") or ""
        if "shares" in wanted and numbers.get("shares"):
            out["shares"] = {"count": numbers["shares"]}  # absent when nobody shared it
        for edge in ("comments", "reactions"):
            if edge in wanted:
                out[edge] = {"data": [], "summary": {"total_count": numbers.get(edge, 0)}}
        return self._json(200, out)

    # -- Facebook --
    def _facebook(self, method: str, page: str, edge: str | None, fields: dict[str, str],
                  files: dict[str, bytes], args: dict[str, str], behaviour: Any) -> None:
        fake = self.fake
        if method == "GET" and page == "me":
            return self._json(200, {"id": "pg100", "name": "KPKNL Bima"})
        if method == "GET" and edge is None and page in fake.fb_videos:
            return self._json(200, {"id": page, "status": self._fb_video_status(page)})
        if method == "GET" and (edge == "insights" or edge is None) and page != "me":
            if not any(p["id"] == page for p in fake.facebook):
                return self._gerr(400, 100, f"Unsupported get request. Object with ID "
                                            f"'{page}' does not exist", subcode=33)
            if edge == "insights":
                return self._insights(page, args, FB_POST_METRICS, FB_RETIRED)
            return self._fb_post_fields(page, args)
        if method == "POST" and edge == "video_reels":
            return self._fb_reel(page, fields, behaviour)
        if method == "GET" and edge == "published_posts":
            since = float(args.get("since") or 0)
            posts = [{"id": p["id"], "message": p["message"],
                      "created_time": graph_time(p["at"])}
                     for p in reversed(fake.facebook) if p["page"] == page and p["at"] >= since]
            return self._json(200, {"data": posts[: int(args.get("limit") or 25)]})
        if method == "POST" and edge == "photos":
            data = files.get("source", b"")
            problem = image_problem(data)
            if problem or len(fields.get("message", "")) > 63206:
                fake.violation(f"fb photos: {problem or 'message too long'}")
                return self._gerr(400, 324, f"Missing or invalid image file: {problem}")
            if len(data) > 4 * 1024 * 1024:
                fake.violation("fb photos: over 4 MB")
            pid = fake.next_id()
            if fields.get("published") == "false":
                with fake.lock:
                    fake.fb_unpublished[pid] = {"photo": digest(data), "at": fake.clock()}
                return self._json(200, {"id": pid})
            post = self._fb_post(page, fields, [digest(data)], f"{page}_{pid}")
            if self._lose_answer(behaviour):
                return None
            return self._json(200, {"id": pid, "post_id": post["id"]})
        if method == "POST" and edge == "feed":
            photos = []
            for k in sorted(k for k in fields if k.startswith("attached_media[")):
                fbid = json.loads(fields[k])["media_fbid"]
                kept = fake.fb_unpublished.get(fbid)
                if kept is None or fake.clock() - kept["at"] > DAY:
                    fake.violation(f"fb feed: unknown or expired media {fbid}")
                    return self._gerr(400, 100, f"(#100) param {k} must be a valid media "
                                                "fbid")
                photos.append(kept["photo"])
            post = self._fb_post(page, fields, photos, f"{page}_{fake.next_id()}")
            if self._lose_answer(behaviour):
                return None
            return self._json(200, {"id": post["id"]})
        return self._gerr(400, 100, "Unsupported request")

    def _fb_video_status(self, vid: str) -> dict[str, Any]:
        v = self.fake.fb_videos[vid]
        got, size = len(v["data"]), v["size"]
        uploaded = size is not None and got == size
        upload = "complete" if uploaded else ("in_progress" if got else "not_started")
        publishing = {"status": "complete" if v["published"] else "not_started",
                      "publish_status": "published" if v["published"] else "not_published"}
        return {"video_status": "ready" if uploaded else "upload_incomplete",
                "uploading_phase": {"status": upload, "bytes_transferred": got},
                "processing_phase": {"status": "complete" if uploaded else "not_started"},
                "publishing_phase": publishing}

    def _fb_reel(self, page: str, fields: dict[str, str], behaviour: Any) -> None:
        fake = self.fake
        phase = fields.get("upload_phase")
        if phase == "start":
            vid = fake.next_id()
            with fake.lock:
                fake.fb_videos[vid] = {"page": page, "data": b"", "size": None,
                                       "published": False, "at": fake.clock()}
            version = self.path.split("/")[1]
            return self._json(200, {"video_id": vid,
                                    "upload_url": f"{fake.url}/video-upload/{version}/{vid}"})
        if phase != "finish":
            return self._gerr(400, 100, "(#100) upload_phase must be start or finish")
        vid = fields.get("video_id", "")
        v = fake.fb_videos.get(vid)
        if v is None or v["page"] != page:
            fake.violation(f"fb video_reels finish: unknown video {vid}")
            return self._gerr(400, 100, f"(#100) Invalid video_id {vid}")
        if v["published"]:
            fake.violation(f"fb video_reels finish: video {vid} published twice")
            return self._gerr(400, 100, "(#100) This video has already been published")
        if v["size"] is None or len(v["data"]) != v["size"]:
            fake.violation(f"fb video_reels finish: upload of {vid} incomplete")
            return self._gerr(400, 351, "There was a problem with your video file. Please "
                                        "try again with another file.")
        problem = fb_reel_problem(video_info(v["data"]))
        if problem or fields.get("video_state") != "PUBLISHED":
            fake.violation(f"fb reel {vid}: {problem or 'video_state'}")
            return self._gerr(400, 351, f"There was a problem with your video file: "
                                        f"{problem or 'video_state'}")
        with fake.lock:
            v["published"] = True
            fake.facebook.append({"page": page, "message": fields.get("description", ""),
                                  "photos": [], "video": digest(v["data"]), "id": vid,
                                  "at": fake.clock(), "reel": True})
        if self._lose_answer(behaviour):
            return None
        return self._json(200, {"success": True})

    def rupload_call(self, vid: str, body: bytes) -> None:
        """The resumable upload of a Facebook Reel's bytes."""
        fake = self.fake
        behaviour = self._behaviour("fb.rupload")
        if self.headers.get("Authorization") != f"OAuth {fake.tokens['facebook']}":
            return self._gerr(401, 190, "Invalid OAuth access token.")
        refused = self.refusal(behaviour)
        if refused:
            return self._json(*refused)
        v = fake.fb_videos.get(vid)
        if v is None:
            return self._gerr(400, 100, f"(#100) Invalid video_id {vid}")
        offset, size = int(self.headers.get("offset") or -1), int(
            self.headers.get("file_size") or -1)
        if offset != len(v["data"]) or size < offset + len(body):
            fake.violation(f"fb rupload {vid}: offset {offset}, have {len(v['data'])}")
            return self._json(400, {"debug_info": {"type": "ProcessingFailedError",
                                                   "message": "Start offset mismatch"}})
        with fake.lock:
            v["data"] += body
            v["size"] = size
        if self._lose_answer(behaviour):
            return None
        return self._json(200, {"success": True})

    def _fb_post(self, page: str, fields: dict[str, str], photos: list[str],
                 post_id: str) -> dict[str, Any]:
        fake = self.fake
        post = {"page": page, "message": fields.get("message", ""), "photos": photos,
                "id": post_id, "at": fake.clock()}
        with fake.lock:
            fake.facebook.append(post)
        return post

    # -- Instagram --
    def _status(self, c: dict[str, Any]) -> str:
        fake = self.fake
        if c["status"] == "PUBLISHED":
            return "PUBLISHED"
        if fake.clock() - c["at"] > DAY:
            return "EXPIRED"
        if c.get("reel") and c["polls"] <= fake.ig_video_polls:
            return "IN_PROGRESS"  # still downloading and processing the video
        return str(c["status"])

    def _instagram(self, method: str, node: str, edge: str | None, fields: dict[str, str],
                   args: dict[str, str], behaviour: Any) -> None:
        fake = self.fake
        if method == "GET" and edge == "insights":
            if not any(m["id"] == node for m in fake.instagram):
                return self._gerr(400, 100, f"Unsupported get request. Object with ID "
                                            f"'{node}' does not exist", subcode=33)
            return self._insights(node, args, IG_MEDIA_METRICS, ("impressions", "plays",
                                                                 "video_views"))
        if method == "GET" and edge is None:
            return self._ig_node(node, args)
        if method == "GET" and edge == "content_publishing_limit":
            return self._json(200, {"data": [{"quota_usage": fake.ig_usage(), "config": {
                "quota_total": fake.ig_quota_total, "quota_duration": DAY}}]})
        if method == "GET" and edge == "media":
            media = [{"id": m["id"], "caption": m["caption"], "timestamp": graph_time(m["at"]),
                      "permalink": m["permalink"]} for m in reversed(fake.instagram)]
            return self._json(200, {"data": media[: int(args.get("limit") or 25)]})
        if method == "POST" and edge == "media":
            return self._ig_create(fields)
        if method == "POST" and edge == "media_publish":
            return self._ig_publish(fields.get("creation_id", ""), behaviour)
        return self._gerr(400, 100, "Unsupported request")

    def _ig_node(self, node: str, args: dict[str, str]) -> None:
        fake = self.fake
        if node in fake.containers:
            c = fake.containers[node]
            with fake.lock:
                c["polls"] += 1
                status = self._status(c)
                if status == "FINISHED" and c["polls"] <= fake.ig_in_progress_polls:
                    status = "IN_PROGRESS"
            text = c.get("error_text", "") if status == "ERROR" else status
            return self._json(200, {"status_code": status, "status": text, "id": node})
        media = next((m for m in fake.instagram if m["id"] == node), None)
        if media is not None:
            return self._json(200, {"id": node, "permalink": media["permalink"]})
        if node == "me":
            return self._json(200, {"user_id": "igu200", "username": "kpknlbima"})
        return self._json(200, {"id": node, "username": "kpknlbima"})

    def _ig_create(self, fields: dict[str, str]) -> None:
        fake = self.fake
        caption = fields.get("caption", "")
        if (len(caption) > 2200 or len(_HASHTAG.findall(caption)) > 30
                or len(_MENTION.findall(caption)) > 20):
            fake.violation("ig media: caption over limits")
            return self._gerr(400, 36004, "The caption is too long.", subcode=2207010,
                              user_msg="Up to 2,200 characters, 30 hashtags, and 20 @ tags.")
        outcome = fake.take("ig.container")
        if fields.get("media_type") == "CAROUSEL":
            children = fields.get("children", "").split(",")
            known = [fake.containers.get(ch) for ch in children]
            if not 2 <= len(children) <= 10 or any(c is None or not c.get("carousel_item")
                                                   for c in known):
                fake.violation("ig carousel: bad children")
                return self._gerr(400, 100, "Invalid children", subcode=2207028)
            if any(self._status(c) == "EXPIRED" for c in known if c):
                fake.violation("ig carousel: expired children")
                return self._gerr(400, -2, "The media you are trying to access has expired. "
                                           "Please try to upload again.", subcode=2207020)
            return self._ig_container(caption, outcome, children=children,
                                      images=[c["image"] for c in known if c])
        if fields.get("media_type") == "REELS":
            return self._ig_reel(caption, fields, outcome)
        image_url = fields.get("image_url", "")
        try:  # Instagram cURLs the image: it must be publicly reachable
            resp = requests.get(image_url, timeout=5)
            data = resp.content if resp.status_code == 200 else b""
        except requests.RequestException:
            data = b""
        if image_problem(data):
            fake.violation(f"ig media: {image_url}: cannot fetch")
            return self._gerr(400, 9004, "Media fetch failed", subcode=2207052,
                              user_msg=f"The media could not be fetched from this URI: "
                                       f"{image_url}")
        fmt, w, h = image_info(data)
        if fmt != "JPEG":
            fake.violation(f"ig media: {fmt}")
            return self._gerr(400, 36001, "The image format is not supported.",
                              subcode=2207005, user_msg="Supported formats are: JPEG")
        if len(data) > 8 * 1024 * 1024:
            fake.violation("ig media: over 8 MiB")
            return self._gerr(400, 36000, "The image size is too large.", subcode=2207004,
                              user_msg="The image is too large to download. It should be "
                                       "less than 8 MiB.")
        if not 0.8 - 0.005 <= w / h <= 1.91 + 0.005:
            fake.violation(f"ig media: ratio {w}x{h}")
            return self._gerr(400, 36003, "The aspect ratio is not supported.",
                              subcode=2207009, user_msg=f"The submitted image with aspect "
                                                        f"ratio ({w}/{h}) cannot be published.")
        if not 320 <= w <= 1440:
            fake.violation(f"ig media: width {w} is rescaled by Instagram")
        return self._ig_container(caption, outcome, image=digest(data),
                                  carousel_item=fields.get("is_carousel_item") == "true")

    def _ig_reel(self, caption: str, fields: dict[str, str], outcome: Any) -> None:
        """A Reel container: the video is fetched and checked now, the verdict shows in the
        status only after ``ig_video_polls`` polls (Instagram processes it meanwhile)."""
        fake = self.fake
        data = _fetch(fields.get("video_url", ""))
        problem = None if data else "cannot fetch video_url"
        code = 2207052
        if data:
            problem = ig_reel_problem(video_info(data), len(data))
            code = 2207026
        cover = fields.get("cover_url")
        if not problem and cover and image_problem(_fetch(cover)):
            problem, code = "cannot fetch cover_url", 2207052
        if problem:
            fake.violation(f"ig reel: {problem}")
            outcome = ("error", REEL_ERROR.format(code))
        return self._ig_container(caption, outcome, video=digest(data), reel=True,
                                  cover=bool(cover),
                                  share_to_feed=fields.get("share_to_feed") == "true")

    def _ig_container(self, caption: str, outcome: Any, **extra: Any) -> None:
        fake = self.fake
        cid = "ig" + fake.next_id()
        c = {"status": "FINISHED", "caption": caption, "polls": 0, "at": fake.clock(),
             **extra}
        if outcome == "stuck":
            c["status"] = "IN_PROGRESS"
        elif isinstance(outcome, tuple) and outcome[0] == "error":
            c["status"], c["error_text"] = "ERROR", outcome[1]
        with fake.lock:
            fake.containers[cid] = c
        return self._json(200, {"id": cid})

    def _ig_publish(self, cid: str, behaviour: Any) -> None:
        fake = self.fake
        c = fake.containers.get(cid)
        if c is None:
            fake.violation(f"ig media_publish: unknown creation_id {cid}")
            return self._gerr(400, 24, f"The media builder with creation_id = {cid} does not "
                                       "exist or has been expired.", subcode=2207008)
        if c.get("carousel_item"):
            fake.violation(f"ig media_publish: carousel item {cid}")
            return self._gerr(400, 100, "Invalid creation_id")
        status = self._status(c)
        if status == "PUBLISHED":
            fake.violation(f"ig media_publish: container {cid} published twice")
            return self._gerr(400, 100, "This media has already been published")
        if status == "IN_PROGRESS" or (status == "FINISHED"
                                       and c["polls"] <= fake.ig_in_progress_polls):
            fake.violation(f"ig media_publish: container {cid} not finished")
            return self._gerr(400, 9007, "Media ID is not available", subcode=2207027,
                              user_msg="The media is not ready for publishing, please wait "
                                       "for a moment")
        if status == "EXPIRED":
            fake.violation(f"ig media_publish: container {cid} expired")
            return self._gerr(400, -2, "The media you are trying to access has expired. "
                                       "Please try to upload again.", subcode=2207020)
        if status == "ERROR":
            return self._gerr(400, -1, "Create media fail, please try to re-create media",
                              subcode=2207032)
        if fake.ig_usage() >= fake.ig_quota_total:
            return self._gerr(400, 9, "Application request limit reached", subcode=2207042,
                              user_msg="You reached maximum number of posts that is allowed "
                                       "to be published by Content Publishing API.")
        media_id = "media" + fake.next_id()
        with fake.lock:
            c["status"] = "PUBLISHED"
            fake.instagram.append({"container": cid, "id": media_id, "caption": c["caption"],
                                   "images": c.get("images") or (
                                       [] if c.get("reel") else [c["image"]]),
                                   "video": c.get("video"),
                                   "media_type": "REELS" if c.get("reel") else "FEED",
                                   "at": fake.clock(),
                                   "permalink": f"https://www.instagram.com/p/{media_id}/"})
        if self._lose_answer(behaviour):
            return None
        return self._json(200, {"id": media_id})

