"""A test double of a Mastodon server: the hashtag timeline REST API and the streaming API.

Written from Mastodon's public documentation (github.com/mastodon/documentation):

- content/en/methods/timelines.md, "View hashtag timeline": ``GET /api/v1/timelines/tag/:hashtag``
  with ``limit`` (default 20, max 40), ``max_id``, ``since_id``, ``min_id``, ``only_media``,
  ``local``, ``remote``, ``any[]``, ``all[]``, ``none[]`` (at most 4 tags taken from each).
- content/en/api/guidelines.md, "Paginating": newest first; ``min_id`` pages forward from a cursor
  (the statuses immediately newer than it), ``since_id`` gives the newest ones newer than it; a
  ``Link`` header with ``rel="next"`` (``max_id``) and ``rel="prev"`` (``min_id``).
- content/en/api/rate-limits.md: ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``,
  ``X-RateLimit-Reset``; 300 requests per 5 minutes.
- content/en/methods/streaming.md: the multiplexed WebSocket at ``/api/v1/streaming``, its three
  ways of passing a token, the ``subscribe``/``unsubscribe`` messages, and the event frames whose
  ``payload`` is the entity JSON encoded *as a string* (the bare id for ``delete``).
- content/en/entities/Status.md, Account.md, MediaAttachment.md, QuoteApproval.md,
  FeatureApproval.md, Instance.md (``configuration.timelines_access``), api/datetime-format.md.

Where the pages are silent the double does what Mastodon's own server code (also public) does: a
hashtag nobody has used yet answers ``200 []`` (the page promises a 404 that the server does not
send), ``Link`` is left out of an empty page, rate-limit windows are fixed and aligned to the
epoch, ``X-RateLimit-Reset`` has microseconds, and a 429 carries no ``Retry-After``.

One port serves both APIs: the ``websockets`` asyncio server answers plain HTTP requests from its
``process_request`` hook and upgrades only ``/api/v1/streaming``.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import html
import http
import json
import math
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

TAG_TIMELINE_PREFIX = "/api/v1/timelines/tag/"
STREAMING_PATH = "/api/v1/streaming"
DEFAULT_LIMIT = 20
MAX_LIMIT = 40  # Mastodon: twice the default
TAGS_PER_MODE = 4  # TagFeed applies at most this many tags from each of any[]/all[]/none[]
# The docs' sample blurhash (MediaAttachment.md); any well-formed hash would do.
BLURHASH = "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}"
# Rails' ActiveModel::Type::Boolean: these strings are false, anything else given is true.
FALSE_STRINGS = {"", "0", "f", "F", "false", "FALSE", "off", "OFF"}


class RecordedRequest(NamedTuple):
    """One plain HTTP request the double answered, for tests to assert on."""

    path: str
    query: dict[str, Any]  # "name[]" keys map to lists, others to their last value
    headers: dict[str, str]


@dataclass
class _Account:
    id: str
    username: str
    domain: str | None
    display_name: str
    created_at: str
    statuses_count: int = 0
    last_status_at: str | None = None


@dataclass
class _Media:
    id: str
    type: str
    description: str | None
    width: int
    height: int
    url: str | None  # given by the test, else generated
    processing: bool = False  # no file yet: url, preview_url and meta are null
    blurhash: str | None = BLURHASH


@dataclass
class _Status:
    id: int
    created_at: str
    account: _Account
    text: str
    tags: list[str]  # as written in the text; matching uses lowercase
    media: list[_Media]
    sensitive: bool
    spoiler_text: str
    visibility: str
    language: str | None
    edited_at: str | None = None


@dataclass
class _Stream:
    """One open streaming connection and its subscriptions: (stream, lowercase tag, tag given)."""

    connection: ServerConnection
    subscriptions: set[tuple[str, str, str]] = field(default_factory=set)


def _iso_ms(moment: datetime) -> str:
    """Mastodon's datetime format: milliseconds and an uppercase Z."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _truthy(value: str | None) -> bool:
    return value is not None and value not in FALSE_STRINGS


def _id_partition(object_id: str) -> str:
    """Paperclip's id_partition, which Mastodon uses in media paths (``022/345/792``)."""
    padded = object_id.zfill(math.ceil(len(object_id) / 3) * 3)
    return "/".join(padded[i : i + 3] for i in range(0, len(padded), 3))


@functools.lru_cache(maxsize=32)
def _png(width: int, height: int) -> bytes:
    """A valid solid-grey PNG of the given size, so clients that download media get an image."""
    width, height = max(1, width), max(1, height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\x80" * (3 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 6))
        + chunk(b"IEND", b"")
    )


def _small_size(kind: str, width: int, height: int) -> tuple[int, int]:
    """Mastodon's thumbnail sizes: images shrink to 160 000 pixels, videos fit in 400x400."""
    if kind == "image":
        scale = math.sqrt(160_000 / (width * height))
    else:
        scale = 400 / max(width, height)
    if scale >= 1:
        return width, height
    return max(1, int(width * scale)), max(1, int(height * scale))


def _size_meta(width: int, height: int) -> dict[str, Any]:
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height}


class MastodonServer:
    """A Mastodon server on 127.0.0.1 serving hashtag timelines over REST and the WebSocket.

    Thread-safe: tests call it from their own thread while the server runs its asyncio loop in a
    background thread.
    """

    def __init__(
        self,
        *,
        require_token: bool = False,
        tokens: tuple[str, ...] | list[str] = ("test-token",),
        rate_limit: int = 300,
        window_seconds: int = 300,
    ) -> None:
        self.require_token = require_token
        self.tokens = set(tokens)
        self.rate_limit = rate_limit
        self.window_seconds = window_seconds
        self.port: int | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._statuses: dict[int, _Status] = {}
        self._accounts: dict[tuple[str, str | None], _Account] = {}
        self._known_tags: set[str] = set()
        self._media_files: dict[str, tuple[str, int, int]] = {}
        self._last_id = 0
        self._requests: list[RecordedRequest] = []
        self._fail_remaining = 0
        self._fail_status = 503
        self._window_start = 0
        self._window_count = 0
        self._streams: dict[ServerConnection, _Stream] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> MastodonServer:
        """Listen on an ephemeral port; returns once connections are accepted."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                self._server = loop.run_until_complete(self._listen())
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as exc:  # noqa: BLE001 - handed to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name="mastodon-double", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the Mastodon double did not start within 10 s")
        if failure:
            self._thread = None
            raise failure[0]
        return self

    def stop(self) -> None:
        """Close every connection and the listening socket, then end the loop thread."""
        if self._thread is None or self._loop is None:
            return
        loop = self._loop

        async def shutdown() -> None:
            assert self._server is not None
            self._server.close(close_connections=True)
            try:
                await asyncio.wait_for(self._server.wait_closed(), 5)
            except TimeoutError:
                self._abort_all()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(10)
            self._thread = None
            self._loop = None

    def __enter__(self) -> MastodonServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    @property
    def streaming_url(self) -> str:
        return f"ws://{self.host}{STREAMING_PATH}"

    # ------------------------------------------------------------------ content

    def add_status(
        self,
        tags: tuple[str, ...] | list[str] = ("seattle",),
        *,
        text: str = "A photo",
        username: str = "alice",
        domain: str | None = None,
        display_name: str = "Alice",
        media: tuple[dict[str, Any], ...] | list[dict[str, Any]] = ({"description": "alt"},),
        sensitive: bool = False,
        spoiler_text: str = "",
        visibility: str = "public",
        language: str | None = "en",
    ) -> dict[str, Any]:
        """Post a status (newest id so far) and stream ``update`` to its hashtags' subscribers.

        ``domain`` makes the author remote (``acct`` is ``user@domain``). Each ``media`` item may
        give ``type`` (image, gifv, video, audio, unknown), ``description``, ``width``,
        ``height`` and ``url``; ``url=None`` leaves the attachment "processing" (no URL yet).
        Returns the Status as an anonymous client would receive it.
        """
        now = datetime.now(UTC)
        with self._lock:
            account = self._account(username, domain, display_name)
            status_id = self._next_id(now)
            attachments = [self._media_item(item, now) for item in media]
            status = _Status(
                id=status_id,
                created_at=_iso_ms(now),
                account=account,
                text=text,
                tags=list(tags),
                media=attachments,
                sensitive=sensitive,
                spoiler_text=spoiler_text,
                visibility=visibility,
                language=language,
            )
            self._statuses[status_id] = status
            self._known_tags.update(tag.lower() for tag in tags)
            account.statuses_count += 1
            account.last_status_at = now.strftime("%Y-%m-%d")
            rendered = self._render(status, authenticated=False)
        self._broadcast(status, "update", json.dumps(rendered))
        return rendered

    def edit_status(
        self,
        status_id: str | int,
        *,
        text: str | None = None,
        sensitive: bool | None = None,
        spoiler_text: str | None = None,
    ) -> dict[str, Any]:
        """Edit a status (sets ``edited_at``) and stream ``status.update``."""
        with self._lock:
            status = self._statuses[int(status_id)]
            if text is not None:
                status.text = text
            if sensitive is not None:
                status.sensitive = sensitive
            if spoiler_text is not None:
                status.spoiler_text = spoiler_text
            status.edited_at = _iso_ms(datetime.now(UTC))
            rendered = self._render(status, authenticated=False)
        self._broadcast(status, "status.update", json.dumps(rendered))
        return rendered

    def delete_status(self, status_id: str | int) -> None:
        """Remove a status from the timelines and stream ``delete`` (payload: the id string)."""
        with self._lock:
            status = self._statuses.pop(int(status_id))
            status.account.statuses_count -= 1
        self._broadcast(status, "delete", str(status.id))

    def statuses(self) -> list[dict[str, Any]]:
        """Every stored status, newest first, as an anonymous client would receive them."""
        with self._lock:
            return [
                self._render(s, authenticated=False)
                for _, s in sorted(self._statuses.items(), reverse=True)
            ]

    # ------------------------------------------------------------------ failure injection

    def fail_next(self, n: int, status: int = 503) -> None:
        """Answer the next ``n`` HTTP requests with ``status`` (a 429 looks like Mastodon's)."""
        with self._lock:
            self._fail_remaining = n
            self._fail_status = status

    def exhaust_budget(self) -> None:
        """Use up the current rate-limit window: REST answers 429 until the window resets."""
        with self._lock:
            self._roll_window(time.time())
            self._window_count = self.rate_limit

    def reset_budget(self) -> None:
        """Give the current window its full budget back."""
        with self._lock:
            self._roll_window(time.time())
            self._window_count = 0

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every plain HTTP request seen so far (not the WebSocket upgrades)."""
        with self._lock:
            return list(self._requests)

    # ------------------------------------------------------------------ streaming control

    def streaming_clients(self) -> int:
        """How many WebSocket connections are open."""
        with self._lock:
            return len(self._streams)

    def drop_streams(self) -> None:
        """Cut every streaming connection without a close frame, as a crashed server would."""
        if self._loop is None:
            return
        done = threading.Event()

        def abort() -> None:
            self._abort_all()
            done.set()

        self._loop.call_soon_threadsafe(abort)
        done.wait(5)

    def wait_for_stream_subscriptions(self, tag: str, n: int = 1, timeout: float = 10) -> None:
        """Block until ``n`` open connections subscribe to the hashtag, or raise TimeoutError."""
        wanted = tag.lower()
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._subscriber_count(wanted) < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"{self._subscriber_count(wanted)} of {n} streaming subscriptions "
                        f"to #{tag} after {timeout} s"
                    )
                self._changed.wait(remaining)

    # ------------------------------------------------------------------ model helpers

    def _subscriber_count(self, tag: str) -> int:
        return sum(
            any(sub[0] in ("hashtag", "hashtag:local") and sub[1] == tag for sub in s.subscriptions)
            for s in self._streams.values()
        )

    def _next_id(self, now: datetime) -> int:
        """Snowflake-like ids: milliseconds since the epoch shifted left 16 bits, increasing."""
        candidate = int(now.timestamp() * 1000) << 16
        self._last_id = max(candidate, self._last_id + 1)
        return self._last_id

    def _account(self, username: str, domain: str | None, display_name: str) -> _Account:
        key = (username, domain)
        account = self._accounts.get(key)
        if account is None:
            now = datetime.now(UTC)
            account = _Account(
                id=str(self._next_id(now)),
                username=username,
                domain=domain,
                display_name=display_name,
                # Mastodon rounds account creation to midnight (Account.md, created_at).
                created_at=now.strftime("%Y-%m-%dT00:00:00.000Z"),
            )
            self._accounts[key] = account
        account.display_name = display_name
        return account

    def _media_item(self, item: dict[str, Any], now: datetime) -> _Media:
        kind = item.get("type", "image")
        processing = "url" in item and item["url"] is None
        return _Media(
            id=str(self._next_id(now)),
            type=kind,
            description=item.get("description"),
            width=int(item.get("width", 640)),
            height=int(item.get("height", 480)),
            url=item.get("url"),
            processing=processing,
            blurhash=None if processing or kind == "audio" else item.get("blurhash", BLURHASH),
        )

    def _base(self) -> str:
        return self.url

    def _render_account(self, account: _Account) -> dict[str, Any]:
        remote = account.domain is not None
        profile = f"https://{account.domain}" if remote else self._base()
        avatar = f"{self._base()}/avatars/original/missing.png"
        header = f"{self._base()}/headers/original/missing.png"
        return {
            "id": account.id,
            "username": account.username,
            "acct": f"{account.username}@{account.domain}" if remote else account.username,
            "display_name": account.display_name,
            "locked": False,
            "bot": False,
            "discoverable": True,
            "indexable": True,
            "group": False,
            "created_at": account.created_at,
            "note": "",
            "url": f"{profile}/@{account.username}",
            "uri": f"{profile}/users/{account.username}",
            "avatar": avatar,
            "avatar_static": avatar,
            "avatar_description": "",
            "header": header,
            "header_static": header,
            "header_description": "",
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": account.statuses_count,
            "last_status_at": account.last_status_at,
            "hide_collections": False,
            "noindex": False,
            "emojis": [],
            # Account.md: an empty array for local accounts, null for remote ones.
            "roles": None if remote else [],
            "fields": [],
            "show_media": True,
            "show_media_replies": True,
            "show_featured": True,
            "feature_approval": {
                "automatic": [],
                "manual": [],
                "current_user": "missing" if remote else "denied",
            },
        }

    def _render_media(self, media: _Media, account: _Account) -> dict[str, Any]:
        ext = {"image": "png", "gifv": "mp4", "video": "mp4", "audio": "mp3"}.get(media.type, "bin")
        remote = account.domain is not None
        stem = f"media_attachments/files/{_id_partition(media.id)}"
        local_root = f"{self._base()}/system/{'cache/' if remote else ''}{stem}"
        small_w, small_h = _small_size(media.type, media.width, media.height)
        if media.processing:
            url = preview = remote_url = meta = None
        else:
            name = f"{int(media.id):016x}"
            url = media.url or f"{local_root}/original/{name}.{ext}"
            preview_ext = "mp3" if media.type == "audio" else "png"
            preview = f"{local_root}/small/{name}.{preview_ext}"
            remote_url = (
                f"https://{account.domain}/system/{stem}/original/{name}.{ext}" if remote else None
            )
            if media.url is None:
                self._media_files[urlsplit(url).path] = (media.type, media.width, media.height)
            self._media_files[urlsplit(preview).path] = (media.type, small_w, small_h)
            meta = self._media_meta(media, small_w, small_h)
        return {
            "id": media.id,
            "type": media.type,
            "url": url,
            "preview_url": preview,
            "remote_url": remote_url,
            "preview_remote_url": None,
            "text_url": None,
            "meta": meta,
            "description": media.description,
            "blurhash": media.blurhash,
        }

    @staticmethod
    def _media_meta(media: _Media, small_w: int, small_h: int) -> dict[str, Any] | None:
        """The ``meta`` shapes of MediaAttachment.md's image, video, gifv and audio samples."""
        w, h = media.width, media.height
        if media.type == "image":
            return {"original": _size_meta(w, h), "small": _size_meta(small_w, small_h)}
        if media.type in ("video", "gifv"):
            return {
                "length": "0:00:10.00",
                "duration": 10.0,
                "fps": 30,
                **_size_meta(w, h),
                "original": {
                    "width": w,
                    "height": h,
                    "frame_rate": "30/1",
                    "duration": 10.0,
                    "bitrate": 1_000_000,
                },
                "small": _size_meta(small_w, small_h),
            }
        if media.type == "audio":
            return {
                "length": "0:00:10.00",
                "duration": 10.0,
                "audio_encode": "mp3",
                "audio_bitrate": "44100 Hz",
                "audio_channels": "stereo",
                "original": {"duration": 10.0, "bitrate": 128_000},
            }
        return {}

    def _render_content(self, status: _Status) -> str:
        remote = status.account.domain is not None
        origin = f"https://{status.account.domain}" if remote else self._base()
        rel = 'rel="nofollow noopener noreferrer" target="_blank"' if remote else 'rel="tag"'
        links = " ".join(
            f'<a href="{origin}/tags/{quote(tag)}" class="mention hashtag" {rel}>'
            f"#<span>{html.escape(tag)}</span></a>"
            for tag in status.tags
        )
        text = html.escape(status.text)
        return f"<p>{text} {links}</p>" if links and text else f"<p>{text or links}</p>"

    def _render(self, status: _Status, *, authenticated: bool) -> dict[str, Any]:
        remote = status.account.domain is not None
        sid = str(status.id)
        origin = f"https://{status.account.domain}" if remote else self._base()
        username = status.account.username
        rendered: dict[str, Any] = {
            "id": sid,
            "created_at": status.created_at,
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "sensitive": status.sensitive,
            "spoiler_text": status.spoiler_text,
            "visibility": status.visibility,
            "language": status.language,
            "uri": f"{origin}/users/{username}/statuses/{sid}",
            "url": f"{origin}/@{username}/{sid}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "quotes_count": 0,
            "edited_at": status.edited_at,
            "content": self._render_content(status),
            "reblog": None,
            "account": self._render_account(status.account),
            "media_attachments": [self._render_media(m, status.account) for m in status.media],
            "mentions": [],
            "tags": [
                {"name": tag.lower(), "url": f"{self._base()}/tags/{quote(tag.lower())}"}
                for tag in status.tags
            ],
            "emojis": [],
            "card": None,
            "poll": None,
            "quote": None,
            "quote_approval": {"automatic": ["public"], "manual": [], "current_user": "denied"},
            "tagged_collections": [],
        }
        if not remote:
            # Mastodon shows the posting application only for local statuses.
            rendered["application"] = {"name": "Web", "website": None}
        if authenticated:
            # Status.md marks these optional: present only when a user token was given.
            rendered.update(
                favourited=False, reblogged=False, muted=False, bookmarked=False, filtered=[]
            )
        return rendered

    # ------------------------------------------------------------------ timeline query

    def _tag_timeline(self, tag: str, query: dict[str, Any]) -> list[_Status]:
        """TagFeed: public, non-reblog statuses with the tag, filtered and paginated by id."""

        def tag_list(name: str) -> list[str]:
            value = query.get(f"{name}[]", query.get(name, []))
            values = [value] if isinstance(value, str) else list(value)
            return [v.lower() for v in values if v][:TAGS_PER_MODE]

        def id_param(name: str) -> int | None:
            try:
                return int(query[name]) if query.get(name) else None
            except ValueError:
                return None

        any_tags = {tag} | set(tag_list("any"))
        all_tags, none_tags = tag_list("all"), set(tag_list("none"))
        local, remote = _truthy(query.get("local")), _truthy(query.get("remote"))
        only_media = _truthy(query.get("only_media"))
        raw_limit = query.get("limit")
        if raw_limit is None:
            limit = DEFAULT_LIMIT
        else:
            try:
                limit = min(abs(int(raw_limit)), MAX_LIMIT)
            except ValueError:
                limit = 0
        max_id, since_id, min_id = id_param("max_id"), id_param("since_id"), id_param("min_id")

        matches = []
        for status in self._statuses.values():
            tags = {t.lower() for t in status.tags}
            if status.visibility != "public" or not tags & any_tags:
                continue
            if not all(t in tags for t in all_tags) or tags & none_tags:
                continue
            if local and status.account.domain is not None:
                continue
            if remote and status.account.domain is None:
                continue
            if only_media and not status.media:
                continue
            if max_id is not None and status.id >= max_id:
                continue
            if since_id is not None and status.id <= since_id:
                continue
            if min_id is not None and status.id <= min_id:
                continue
            matches.append(status)
        if min_id is not None:
            # Forward from the cursor: the oldest ones above it, still presented newest first.
            matches.sort(key=lambda s: s.id)
            return list(reversed(matches[:limit]))
        matches.sort(key=lambda s: s.id, reverse=True)
        return matches[:limit]

    # ------------------------------------------------------------------ HTTP

    async def _listen(self) -> Server:
        return await serve(
            self._stream_handler,
            "127.0.0.1",
            0,
            process_request=self._process_request,
            select_subprotocol=self._select_subprotocol,
            server_header="Mastodon",
        )

    def _response(
        self,
        status: int,
        body: Any,
        *,
        content_type: str = "application/json; charset=utf-8",
        extra: list[tuple[str, str]] | None = None,
    ) -> Response:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = Headers(
            [
                ("Date", email.utils.formatdate(usegmt=True)),
                ("Connection", "close"),
                ("Content-Type", content_type),
                ("Content-Length", str(len(payload))),
                ("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate"),
            ]
            + (extra or [])
        )
        return Response(status, http.HTTPStatus(status).phrase, headers, payload)

    def _roll_window(self, now: float) -> None:
        start = int(now) - int(now) % self.window_seconds
        if start != self._window_start:
            self._window_start = start
            self._window_count = 0

    def _rate_limit_headers(self, now: float) -> list[tuple[str, str]]:
        """Rack::Attack's fixed window: resets at the next multiple of the period."""
        reset = datetime.fromtimestamp(self._window_start + self.window_seconds, UTC)
        remaining = max(0, self.rate_limit - self._window_count)
        return [
            ("X-RateLimit-Limit", str(self.rate_limit)),
            ("X-RateLimit-Remaining", str(remaining)),
            ("X-RateLimit-Reset", reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
        ]

    @staticmethod
    def _query(raw: str) -> dict[str, Any]:
        query: dict[str, Any] = {}
        for key, value in parse_qsl(raw, keep_blank_values=True):
            if key.endswith("[]"):
                query.setdefault(key, []).append(value)
            else:
                query[key] = value
        return query

    def _token(self, request: Request, query: dict[str, Any], *, websocket: bool) -> str | None:
        authorization = request.headers.get("Authorization", "")
        if authorization[:7].lower() == "bearer ":
            return authorization[7:].strip()
        if query.get("access_token"):
            return query["access_token"]
        if websocket and request.headers.get("Sec-WebSocket-Protocol"):
            return request.headers["Sec-WebSocket-Protocol"].split(",")[0].strip()
        return None

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        path = unquote(parts.path).rstrip("/") or "/"
        query = self._query(parts.query)
        is_upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
        if is_upgrade:
            return self._process_upgrade(request, path, query)
        with self._lock:
            self._requests.append(RecordedRequest(path, query, dict(request.headers.raw_items())))
            return self._answer(request, path, query)

    def _process_upgrade(
        self, request: Request, path: str, query: dict[str, Any]
    ) -> Response | None:
        """The streaming server's refusals happen before the upgrade, as plain HTTP answers."""
        if path != STREAMING_PATH:
            return self._response(400, {"error": "Unknown channel requested"})
        token = self._token(request, query, websocket=True)
        if token is None:
            return self._response(401, {"error": "Missing access token"})
        if token not in self.tokens:
            return self._response(401, {"error": "Invalid access token"})
        return None

    def _answer(self, request: Request, path: str, query: dict[str, Any]) -> Response:
        if path in self._media_files or path.endswith("/original/missing.png"):
            kind, width, height = self._media_files.get(path, ("image", 120, 120))
            if path.endswith(".png"):
                return self._response(200, _png(width, height), content_type="image/png")
            mime = {"audio": "audio/mpeg"}.get(kind, "video/mp4")
            return self._response(200, b"\x00" * 64, content_type=mime)
        if path == f"{STREAMING_PATH}/health":
            return self._response(200, b"OK", content_type="text/plain; charset=utf-8")

        now = time.time()
        self._roll_window(now)
        self._window_count += 1
        limit_headers = self._rate_limit_headers(now)
        if self._fail_remaining > 0:
            self._fail_remaining -= 1
            status = self._fail_status
            if status == 429:
                limit_headers[1] = ("X-RateLimit-Remaining", "0")
                return self._response(429, {"error": "Too many requests"}, extra=limit_headers)
            return self._response(
                status, {"error": http.HTTPStatus(status).phrase}, extra=limit_headers
            )
        if self._window_count > self.rate_limit:
            return self._response(429, {"error": "Too many requests"}, extra=limit_headers)

        token = self._token(request, query, websocket=False)
        authenticated = token is not None and token in self.tokens
        if self.require_token and not authenticated:
            error = (
                "This method requires an authenticated user"
                if token is None
                else "The access token is invalid"
            )
            return self._response(401, {"error": error}, extra=limit_headers)

        if path == "/api/v2/instance":
            return self._response(200, self._instance(), extra=limit_headers)
        if path.startswith(TAG_TIMELINE_PREFIX) and "/" not in path[len(TAG_TIMELINE_PREFIX) :]:
            tag = path[len(TAG_TIMELINE_PREFIX) :].lower()
            statuses = self._tag_timeline(tag, query) if tag in self._known_tags else []
            body = [self._render(s, authenticated=authenticated) for s in statuses]
            headers = list(limit_headers)
            if statuses:
                headers.append(("Link", self._link(path, query, statuses)))
            return self._response(200, body, extra=headers)
        return self._response(404, {"error": "Record not found"}, extra=limit_headers)

    def _link(self, path: str, query: dict[str, Any], statuses: list[_Status]) -> str:
        """RFC 8288 links to the older (``max_id``) and newer (``min_id``) pages."""
        kept = {
            k: v
            for k, v in query.items()
            if k in ("local", "remote", "limit", "only_media", "any[]", "all[]", "none[]")
        }

        def page(cursor: dict[str, str]) -> str:
            return f"{self._base()}{quote(path)}?{urlencode({**kept, **cursor}, doseq=True)}"

        return (
            f'<{page({"max_id": str(statuses[-1].id)})}>; rel="next", '
            f'<{page({"min_id": str(statuses[0].id)})}>; rel="prev"'
        )

    def _instance(self) -> dict[str, Any]:
        """Enough of the v2 Instance entity for clients that check where the streaming API is and
        whether hashtag feeds need a login (``configuration.timelines_access``)."""
        access = "authenticated" if self.require_token else "public"
        feeds = {"local": access, "remote": access}
        return {
            "domain": self.host,
            "title": "Mastodon double",
            "version": "4.5.0",
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "A test double of the hashtag timeline and streaming APIs.",
            "languages": ["en"],
            "configuration": {
                "urls": {"streaming": f"ws://{self.host}"},
                "timelines_access": {
                    "live_feeds": feeds,
                    "hashtag_feeds": feeds,
                    "trending_link_feeds": feeds,
                },
            },
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "rules": [],
        }

    # ------------------------------------------------------------------ WebSocket

    def _select_subprotocol(self, connection: ServerConnection, subprotocols: Any) -> str | None:
        """Echo the token sent as ``Sec-WebSocket-Protocol``, as Mastodon's ``ws`` server does."""
        return subprotocols[0] if subprotocols else None

    def _abort_all(self) -> None:
        with self._lock:
            connections = list(self._streams)
        for connection in connections:
            connection.transport.abort()

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def _subscribe(self, stream: _Stream, message: dict[str, Any]) -> dict[str, Any] | None:
        """Apply a subscribe/unsubscribe; returns the error frame Mastodon would send, if any."""
        name = message.get("stream")
        if name not in ("hashtag", "hashtag:local"):
            return {"error": "Unknown stream type", "status": 400}
        tag = message.get("tag")
        if not isinstance(tag, str) or not tag:
            return {"error": "Missing tag name parameter", "status": 400}
        key = (name, tag.lower(), tag)
        with self._changed:
            if message.get("type", "subscribe") == "unsubscribe":
                stream.subscriptions = {s for s in stream.subscriptions if s[:2] != key[:2]}
            else:
                stream.subscriptions.add(key)
            self._changed.notify_all()
        return None

    async def _stream_handler(self, connection: ServerConnection) -> None:
        stream = _Stream(connection)
        with self._changed:
            self._streams[connection] = stream
            self._changed.notify_all()
        try:
            query = self._query(urlsplit(connection.request.path).query)
            if query.get("stream"):
                error = self._subscribe(stream, {"type": "subscribe", **query})
                if error:
                    await connection.send(json.dumps(error))
            async for raw in connection:
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue
                if not isinstance(message, dict) or message.get("type") not in (
                    "subscribe",
                    "unsubscribe",
                ):
                    continue
                error = self._subscribe(stream, message)
                if error:
                    await connection.send(json.dumps(error))
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self._streams.pop(connection, None)
                self._changed.notify_all()

    def _broadcast(self, status: _Status, event: str, payload: str) -> None:
        """Send the event to every matching subscription, one frame per subscription; returns once
        the frames are written so a test's next step sees them in order."""
        if self._loop is None or status.visibility != "public":
            return
        tags = {t.lower() for t in status.tags}
        local = status.account.domain is None

        async def send_all() -> None:
            with self._lock:
                targets = [
                    (s.connection, name, given)
                    for s in self._streams.values()
                    for name, lowered, given in s.subscriptions
                    if lowered in tags and (name == "hashtag" or local)
                ]
            for connection, name, given in targets:
                frame = {"stream": [name, given], "event": event, "payload": payload}
                try:
                    await connection.send(json.dumps(frame))
                except ConnectionClosed:
                    pass

        future = asyncio.run_coroutine_threadsafe(send_all(), self._loop)
        if threading.current_thread() is not self._thread:
            future.result(10)
