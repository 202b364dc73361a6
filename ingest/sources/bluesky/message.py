"""A Jetstream commit of an `app.bsky.feed.post` record into photo messages.

A post's images are `app.bsky.embed.images`, or the media of `…recordWithMedia`; its
hashtags are its facets' `#tag` features and its `tags`. The record is input from the
internet: a post this cannot read is counted as skipped by the caller, never shown half.
"""

import re
from datetime import UTC, datetime

from django.conf import settings

from feed.photo import MAX_CAPTION, Author, PhotoMessage

from ..fields import iso_time, size, text, utc
from ..intake import media_id

POST = "app.bsky.feed.post"
IMAGES = "app.bsky.embed.images"
RECORD_WITH_MEDIA = "app.bsky.embed.recordWithMedia"
TAG = "app.bsky.richtext.facet#tag"
NO_PHOTO = frozenset({"app.bsky.embed.record", "app.bsky.embed.video", "app.bsky.embed.external"})
# Self-labels that keep a post off the wall (com.atproto.label.defs#selfLabels values).
ADULT_LABELS = frozenset({"porn", "sexual", "nudity", "graphic-media"})

DID = re.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]{1,200}")
RKEY = re.compile(r"[a-zA-Z0-9._~:-]{1,512}")
CID = re.compile(r"[a-zA-Z0-9]{8,200}")


class Unreadable(ValueError):
    """Why a frame or record cannot become photos (the frame is skipped and counted)."""


def post_uri(did: str, rkey: str) -> str:
    """The post's AT URI: what a delete commit names, and what photos keep as `post`."""
    return f"at://{did}/{POST}/{rkey}"


def hashtags(record: dict) -> list[str]:
    """The post's hashtags: its facets' tag features, then its `tags`."""
    found = []
    for facet in _list(record.get("facets")):
        for feature in _list(facet.get("features") if isinstance(facet, dict) else None):
            if isinstance(feature, dict) and feature.get("$type") == TAG:
                found.append(feature.get("tag"))
    found.extend(_list(record.get("tags")))
    return [tag for tag in found if isinstance(tag, str) and tag]


def adult_label(record: dict) -> str:
    """The first self-label of the post that keeps it off the wall, else ""."""
    labels = record.get("labels")
    values = _list(labels.get("values")) if isinstance(labels, dict) else []
    for value in values:
        if isinstance(value, dict) and value.get("val") in ADULT_LABELS:
            return value["val"]
    return ""


def images(record: dict) -> list[dict]:
    """The post's image entries; [] for posts without images; Unreadable for unknown embeds."""
    embed = record.get("embed")
    if embed is None:
        return []
    if not isinstance(embed, dict):
        raise Unreadable("embed is not an object")
    kind = embed.get("$type")
    if kind == RECORD_WITH_MEDIA:
        embed = embed.get("media")
        kind = embed.get("$type") if isinstance(embed, dict) else None
        if kind != IMAGES:  # video, external: no photo
            return []
    if kind != IMAGES:
        if kind in NO_PHOTO:
            return []
        raise Unreadable(f"unknown embed {str(kind)[:60]!r}")
    entries = embed.get("images")
    if not isinstance(entries, list):
        raise Unreadable("images is not a list")
    return entries


def to_messages(event: dict, cities: list[str], author: Author) -> list[PhotoMessage]:
    """One photo per image of the post, in each of `cities`; Unreadable when it cannot be."""
    did, commit = event.get("did"), event.get("commit")
    if not isinstance(did, str) or not DID.fullmatch(did) or not isinstance(commit, dict):
        raise Unreadable("no usable did or commit")
    rkey, record = commit.get("rkey"), commit.get("record")
    if not isinstance(rkey, str) or not RKEY.fullmatch(rkey) or not isinstance(record, dict):
        raise Unreadable("no usable rkey or record")
    cdn, handle = settings.BLUESKY_CDN_URL, author["username"] or did
    caption = text(record.get("text"), MAX_CAPTION) or None
    created = iso_time(record.get("createdAt")) or _from_time_us(event.get("time_us"))
    sensitive = adult_label(record)
    messages = []
    for index, entry in enumerate(images(record)):
        if not isinstance(entry, dict):
            raise Unreadable("an image is not an object")
        cid = _blob_cid(entry.get("image"))
        ratio = entry.get("aspectRatio") if isinstance(entry.get("aspectRatio"), dict) else {}
        width, height = size(ratio.get("width")), size(ratio.get("height"))
        for city in cities:
            messages.append(
                {
                    "id": media_id("bluesky", did, rkey, index, city),
                    "city": city,
                    "source": "bluesky",
                    "image": {
                        "url": f"{cdn}/img/feed_fullsize/plain/{did}/{cid}@jpeg",
                        "width": width,
                        "height": height,
                        "alt": text(entry.get("alt"), 2000),
                    },
                    "thumbnail": {
                        "url": f"{cdn}/img/feed_thumbnail/plain/{did}/{cid}@jpeg",
                        "width": width,
                        "height": height,
                    },
                    "link": f"https://bsky.app/profile/{handle}/post/{rkey}",
                    "caption": caption,
                    "user": author,
                    "location": {"lat": None, "lng": None, "name": ""},
                    "likes": 0,
                    "license": "",
                    "post": post_uri(did, rkey),
                    "sensitive": f"self-labelled {sensitive}" if sensitive else "",
                    "created_at": utc(min(created, datetime.now(UTC))),
                    "published_at": None,
                }
            )
    return messages


def _blob_cid(blob) -> str:
    ref = blob.get("ref") if isinstance(blob, dict) else None
    cid = ref.get("$link") if isinstance(ref, dict) else None
    if not isinstance(cid, str) or not CID.fullmatch(cid):
        raise Unreadable("an image has no usable blob CID")
    return cid


def _from_time_us(value) -> datetime:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**62:
        return datetime.fromtimestamp(value / 1e6, UTC)
    return datetime.now(UTC)


def _list(value) -> list:
    return value if isinstance(value, list) else []
