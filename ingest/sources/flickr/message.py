"""One photo of a `flickr.photos.search` answer (with its extras) into a photo message.

Flickr's terms ask for attribution and a link back: the message carries the owner, the
licence and the photo's page. Numbers may arrive as strings; anything unusable drops the
photo (counted by the caller) rather than showing it half.
"""

import html
import re
from datetime import UTC, datetime

from feed.photo import MAX_CAPTION, PhotoMessage

from ..fields import coordinate, count, size, text, utc, web_url
from ..intake import media_id

# flickr.photos.licenses.getInfo
LICENSES = {
    0: "All Rights Reserved",
    1: "CC BY-NC-SA 2.0",
    2: "CC BY-NC 2.0",
    3: "CC BY-NC-ND 2.0",
    4: "CC BY 2.0",
    5: "CC BY-SA 2.0",
    6: "CC BY-ND 2.0",
    7: "No known copyright restrictions",
    8: "United States Government Work",
    9: "CC0 1.0",
    10: "Public Domain Mark 1.0",
}
NSID = re.compile(r"[0-9]{1,20}@N[0-9]{2}")
PHOTO_ID = re.compile(r"[0-9]{1,20}")
TAG = re.compile(r"<[^>]*>")
# What is left of a tag the description's cut fell into.
CUT_TAG = re.compile(r"<[^>]*\Z")
# Characters of a description's HTML read at most: its text is cut to the caption anyway.
DESCRIPTION_LIMIT = 5000
DEFAULT_BUDDY_ICON = "https://www.flickr.com/images/buddyicon.gif"
# The extras sizes the search asks for, largest first (url_l: 1024 px, url_m: 500, url_s: 240).
IMAGE_SIZES, THUMBNAIL_SIZES = ("l", "m", "s"), ("s", "m")


class Unusable(ValueError):
    """Why a photo of the answer cannot be shown."""


def to_messages(photo, city: str) -> list[PhotoMessage]:
    """The photo message of one search result for `city`; Unusable when it cannot be."""
    if not isinstance(photo, dict):
        raise Unusable("not an object")
    photo_id, owner = str(photo.get("id", "")), photo.get("owner")
    if not PHOTO_ID.fullmatch(photo_id) or not isinstance(owner, str) or not NSID.fullmatch(owner):
        raise Unusable("no usable id or owner")
    uploaded = count(photo.get("dateupload"))
    if not uploaded:
        raise Unusable("no upload time")
    owner_name = text(photo.get("ownername"), 100)
    return [
        {
            "id": media_id("flickr", photo_id, city),
            "city": city,
            "source": "flickr",
            "image": {**_image(photo, IMAGE_SIZES), "alt": text(photo.get("title"), 2000)},
            "thumbnail": _image(photo, THUMBNAIL_SIZES),
            "link": f"https://www.flickr.com/photos/{owner}/{photo_id}",
            "caption": _caption(photo),
            "user": {
                "username": owner_name or owner,
                "full_name": owner_name,
                "avatar": _buddy_icon(photo, owner),
            },
            "location": {
                "lat": coordinate(photo.get("latitude"), 90),
                "lng": coordinate(photo.get("longitude"), 180),
                "name": "",
            },
            "likes": 0,
            "license": _license(photo.get("license")),
            "post": f"flickr:{photo_id}",
            "created_at": utc(datetime.fromtimestamp(uploaded, UTC)),
            "published_at": None,
        }
    ]


def uploaded_at(photo) -> int:
    """The photo's upload time (Unix seconds), 0 when it has none: the cursor's unit."""
    return count(photo.get("dateupload")) if isinstance(photo, dict) else 0


def _image(photo: dict, sizes: tuple[str, ...]) -> dict:
    for name in sizes:
        if url := web_url(photo.get(f"url_{name}")):
            width, height = size(photo.get(f"width_{name}")), size(photo.get(f"height_{name}"))
            return {"url": url, "width": width, "height": height}
    raise Unusable("no image URL")


def _caption(photo: dict) -> str | None:
    """The title, then the description's text (Flickr descriptions may hold HTML)."""
    title = text(photo.get("title"), 500).strip()
    description = photo.get("description")
    body = description.get("_content") if isinstance(description, dict) else None
    body = _description_text(body) if isinstance(body, str) else ""
    caption = "\n\n".join(part for part in (title, " ".join(body.split())) if part)
    return caption[:MAX_CAPTION] or None


def _description_text(body: str) -> str:
    cut = body[:DESCRIPTION_LIMIT]
    if len(body) > DESCRIPTION_LIMIT:
        cut = CUT_TAG.sub("", cut)
    return html.unescape(TAG.sub(" ", cut)).strip()


def _license(value) -> str:
    if value is None or value == "":
        return ""
    number = count(value)
    return LICENSES.get(number, f"Flickr licence {number}")


def _buddy_icon(photo: dict, owner: str) -> str:
    """Flickr's buddy-icon rule: the owner's icon when it has an icon server, else the default."""
    server, farm = count(photo.get("iconserver")), count(photo.get("iconfarm"))
    if server > 0 and farm > 0:
        return f"https://farm{farm}.staticflickr.com/{server}/buddyicons/{owner}.jpg"
    return DEFAULT_BUDDY_ICON
