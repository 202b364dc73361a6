"""A Mastodon status into photo messages: one per image attachment, in one city.

`content` is HTML written by strangers: only its text is kept, never markup. Statuses
marked `sensitive` or carrying a content warning are stored hidden, not shown.
"""

from datetime import UTC, datetime
from html.parser import HTMLParser

from feed.photo import MAX_CAPTION, PhotoMessage

from ..fields import iso_time, size, text, utc, web_url
from ..intake import media_id

BLOCKS = {"p", "br", "li", "blockquote", "div"}


class Unusable(ValueError):
    """Why a status cannot become photos."""


def to_messages(status, city: str, server: str) -> list[PhotoMessage]:
    """The photos of one status of `server` (its host) for `city`; Unusable when unreadable."""
    if not isinstance(status, dict):
        raise Unusable("not an object")
    status_id, uri, account = status.get("id"), status.get("uri"), status.get("account")
    if not isinstance(status_id, str) or not status_id.isdigit() or len(status_id) > 30:
        raise Unusable("no usable id")
    if not isinstance(uri, str) or not uri or not isinstance(account, dict):
        raise Unusable("no uri or account")
    if status.get("reblog"):
        return []  # the original post is the one to show, where it was tagged
    attachments = status.get("media_attachments")
    if not isinstance(attachments, list):
        raise Unusable("media_attachments is not a list")
    created = iso_time(status.get("created_at")) or datetime.now(UTC)
    sensitive = _sensitive(status)
    user = {
        "username": text(account.get("acct"), 100),
        "full_name": text(account.get("display_name"), 200),
        "avatar": web_url(account.get("avatar")) or "",
    }
    caption = html_text(status.get("content"))[:MAX_CAPTION] or None
    link = web_url(status.get("url")) or web_url(uri) or ""
    messages = []
    for index, attachment in enumerate(attachments):
        if not isinstance(attachment, dict) or attachment.get("type") != "image":
            continue  # video, gifv, audio: no photo
        image = web_url(attachment.get("url")) or web_url(attachment.get("remote_url"))
        thumbnail = web_url(attachment.get("preview_url")) or image
        if not image:
            continue  # still processing: the next poll has it
        meta = attachment.get("meta") if isinstance(attachment.get("meta"), dict) else {}
        messages.append(
            {
                "id": media_id("mastodon", uri, index, city),
                "city": city,
                "source": "mastodon",
                "image": {
                    **_dimensions(meta.get("original")),
                    "url": image,
                    "alt": text(attachment.get("description"), 2000),
                },
                "thumbnail": {**_dimensions(meta.get("small")), "url": thumbnail},
                "link": link,
                "caption": caption,
                "user": user,
                "location": {"lat": None, "lng": None, "name": ""},
                "likes": min(2**31 - 1, _number(status.get("favourites_count"))),
                "license": "",
                "post": post_id(server, status_id),
                "sensitive": sensitive,
                "created_at": utc(min(created, datetime.now(UTC))),
                "published_at": None,
            }
        )
    return messages


def post_id(server: str, status_id: str) -> str:
    """A status as its server's deletes name it."""
    return f"{server}/statuses/{status_id}"


def html_text(content) -> str:
    """The text of a status's HTML: paragraphs and line breaks kept as line breaks."""
    if not isinstance(content, str) or not content:
        return ""
    parser = _Text()
    parser.feed(content[:100_000])
    parser.close()
    lines = ("".join(parser.parts)).split("\n")
    return "\n".join(" ".join(line.split()) for line in lines).strip()


def _sensitive(status: dict) -> str:
    spoiler = status.get("spoiler_text")
    if isinstance(spoiler, str) and spoiler.strip():
        return f"content warning: {spoiler.strip()[:100]}"
    return "marked sensitive" if status.get("sensitive") is True else ""


def _dimensions(meta) -> dict:
    meta = meta if isinstance(meta, dict) else {}
    return {"width": size(meta.get("width")), "height": size(meta.get("height"))}


def _number(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCKS and self.parts:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)
