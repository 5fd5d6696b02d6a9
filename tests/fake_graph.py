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
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import requests
from fake_media import digest, image_info, image_problem

DAY = 86400
_HASHTAG = re.compile(r"(?<![\w#&])#\w+")
_MENTION = re.compile(r"(?<![\w@.])@[A-Za-z0-9._]{1,30}(?![\w@])")


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

    # -- Facebook --
    def _facebook(self, method: str, page: str, edge: str | None, fields: dict[str, str],
                  files: dict[str, bytes], args: dict[str, str], behaviour: Any) -> None:
        fake = self.fake
        if method == "GET" and page == "me":
            return self._json(200, {"id": "pg100", "name": "KPKNL Bima"})
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
        return str(c["status"])

    def _instagram(self, method: str, node: str, edge: str | None, fields: dict[str, str],
                   args: dict[str, str], behaviour: Any) -> None:
        fake = self.fake
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
                                   "images": c.get("images") or [c["image"]],
                                   "at": fake.clock(),
                                   "permalink": f"https://www.instagram.com/p/{media_id}/"})
        if self._lose_answer(behaviour):
            return None
        return self._json(200, {"id": media_id})

