"""Stand-ins for Bluesky's Jetstream v1 websocket and the AppView's `app.bsky.actor.getProfiles`.

Written from public documentation only:

- bluesky-social/jetstream: the v1 `/subscribe` contract (docs/README.md "Legacy v1 JSON
  Payload", the v1 filter and cursor notes, and the events captured from a live v1 server
  that the repository keeps as golden fixtures). Query parameters `wantedCollections`
  (exact NSIDs or `prefix.*`), `wantedDids` and `cursor` (unix microseconds, replay of
  events with `time_us >= cursor` then live tail; a future cursor is live tail only).
  Identity and account events reach every subscriber whatever `wantedCollections` says.
- bluesky-social/atproto lexicons: app.bsky.feed.post, app.bsky.embed.{images, video,
  external, record, recordWithMedia, defs}, app.bsky.richtext.facet (UTF-8 byte offsets),
  com.atproto.label.defs#selfLabels, com.atproto.repo.strongRef, app.bsky.actor.getProfiles
  and app.bsky.actor.defs#profileViewDetailed; and the atproto XRPC error envelope
  (`{"error": Name, "message": ...}`) as the xrpc-server package emits it.
- The atproto data model: CIDv1 in base32 (`b…`), raw codec for blobs, dag-cbor for
  records (so a record's `cid` is the real hash of its canonical DAG-CBOR encoding), and
  TIDs for rkeys and revs.

Both servers are real (a websockets server and an http.server) on ephemeral loopback ports,
so the code under test talks to them over the wire exactly as it would to Bluesky.
"""

import asyncio
import base64
import datetime as dt
import hashlib
import itertools
import json
import threading
import time
from collections.abc import Iterable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

POST = "app.bsky.feed.post"
CDN = "https://cdn.bsky.app"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_CODEC_RAW = 0x55
_CODEC_DAG_CBOR = 0x71
_SHA2_256 = 0x12


# --- identifiers -------------------------------------------------------------------------------


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=").lower()


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _cid_bytes(codec: int, data: bytes) -> bytes:
    digest = hashlib.sha256(data).digest()
    return _varint(1) + _varint(codec) + bytes([_SHA2_256, len(digest)]) + digest


def _cid_str(raw: bytes) -> str:
    return "b" + _b32(raw)


def _cid_decode(cid: str) -> bytes:
    """CID string to its binary form, for DAG-CBOR links (base32 CIDv1 only)."""
    if not cid.startswith("b"):
        raise ValueError(f"only base32 CIDv1 strings are supported: {cid!r}")
    body = cid[1:].upper()
    return base64.b32decode(body + "=" * (-len(body) % 8))


def blob_cid(data: bytes) -> str:
    """The CID a PDS gives an uploaded blob: CIDv1, raw codec, sha2-256."""
    return _cid_str(_cid_bytes(_CODEC_RAW, data))


def record_cid(record: dict) -> str:
    """The CID of a record: CIDv1, dag-cbor codec, sha2-256 of its canonical DAG-CBOR."""
    return _cid_str(_cid_bytes(_CODEC_DAG_CBOR, dag_cbor(record)))


def did_for(name: str) -> str:
    """A did:plc shaped like a real one (24 base32 characters), the same for the same name."""
    return "did:plc:" + _b32(hashlib.sha256(name.encode()).digest())[:24]


def tid(micros: int, clock_id: int = 0) -> str:
    """A TID: 53 bits of microseconds and 10 bits of clock id, base32-sortable, 13 chars."""
    n = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[n & 31])
        n >>= 5
    return "".join(reversed(chars))


def avatar_url(did: str, data: bytes = b"") -> str:
    """An avatar URL in the form the AppView hands out (CDN, the blob's CID, @jpeg)."""
    return f"{CDN}/img/avatar/plain/{did}/{blob_cid(did.encode() + data)}@jpeg"


def _iso(moment: dt.datetime) -> str:
    """atproto datetimes as the Bluesky app writes them: UTC, milliseconds, `Z`."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


# --- DAG-CBOR ----------------------------------------------------------------------------------


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | extra]) + n.to_bytes(size, "big")
    raise ValueError(f"integer too large for CBOR: {n}")


def dag_cbor(value) -> bytes:
    """Canonical DAG-CBOR of a record in its JSON form (`{"$link": cid}` becomes tag 42).

    Just enough of the spec for records: maps sorted by key length then bytes, minimal
    integer heads, no floats (the atproto data model forbids them).
    """
    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, list | tuple):
        return _head(4, len(value)) + b"".join(dag_cbor(item) for item in value)
    if isinstance(value, dict):
        if set(value) == {"$link"}:
            link = b"\x00" + _cid_decode(value["$link"])
            return b"\xd8\x2a" + _head(2, len(link)) + link
        if set(value) == {"$bytes"}:
            raw = base64.b64decode(value["$bytes"] + "=" * (-len(value["$bytes"]) % 4))
            return _head(2, len(raw)) + raw
        keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
        return _head(5, len(keys)) + b"".join(dag_cbor(k) + dag_cbor(value[k]) for k in keys)
    raise TypeError(f"not representable in the atproto data model: {value!r}")


# --- records -----------------------------------------------------------------------------------


def blob(data: bytes, mime_type: str, size: int) -> dict:
    """A blob reference as it appears inside a record's JSON."""
    return {"$type": "blob", "ref": {"$link": blob_cid(data)}, "mimeType": mime_type, "size": size}


def _image_spec(spec, index: int) -> dict:
    """Normalise one `images` entry: a dict, an int seed or None (defaults)."""
    if isinstance(spec, dict):
        return {"alt": "", "width": 1200, "height": 900, "seed": index, **spec}
    seed = index if spec is None else int(spec)
    return {"alt": "", "width": 1200, "height": 900, "seed": seed}


def _aspect(spec: dict) -> dict:
    width, height = spec.get("width"), spec.get("height")
    return {"aspectRatio": {"width": width, "height": height}} if width and height else {}


def _images_embed(did: str, rkey: str, specs: list[dict]) -> dict:
    images = []
    for index, spec in enumerate(specs):
        data = f"{did}/{rkey}/image/{index}/{spec['seed']}".encode()
        size = 100_000 + int.from_bytes(hashlib.sha256(data).digest()[:2], "big")
        image = {"alt": spec["alt"], **_aspect(spec), "image": blob(data, "image/jpeg", size)}
        images.append(image)
    return {"$type": "app.bsky.embed.images", "images": images}


def _embed(kind: str, did: str, rkey: str, specs: list[dict]) -> dict:
    if kind == "images":
        return _images_embed(did, rkey, specs)
    if kind == "recordWithMedia":
        quoted_did = did_for(f"quoted:{did}")
        quoted_rkey = tid(1_700_000_000_000_000 + len(rkey))
        quoted = {"$type": POST, "text": "quoted", "createdAt": "2024-01-01T00:00:00.000Z"}
        return {
            "$type": "app.bsky.embed.recordWithMedia",
            "record": {
                "$type": "app.bsky.embed.record",
                "record": {
                    "uri": f"at://{quoted_did}/{POST}/{quoted_rkey}",
                    "cid": record_cid(quoted),
                },
            },
            "media": _images_embed(did, rkey, specs),
        }
    if kind == "video":
        spec = specs[0]
        data = f"{did}/{rkey}/video/{spec['seed']}".encode()
        video = {"$type": "app.bsky.embed.video", "video": blob(data, "video/mp4", 4_000_000)}
        if spec["alt"]:
            video["alt"] = spec["alt"]
        video.update(_aspect(spec))
        return video
    if kind == "external":
        data = f"{did}/{rkey}/thumb".encode()
        return {
            "$type": "app.bsky.embed.external",
            "external": {
                "uri": f"https://example.com/articles/{rkey}",
                "title": "An article",
                "description": "A link card, which carries no photo of its own.",
                "thumb": blob(data, "image/jpeg", 24_000),
            },
        }
    raise ValueError(f"unknown embed kind: {kind!r}")


def post_record(
    did: str,
    rkey: str,
    text: str = "",
    *,
    hashtags: Iterable[str] = (),
    tags: Iterable[str] = (),
    images: Sequence = (),
    labels: Iterable[str] = (),
    embed: str | None = "images",
    langs: Iterable[str] = ("en",),
    created_at: dt.datetime | str | None = None,
) -> dict:
    """A strictly valid app.bsky.feed.post record; see `Jetstream.post` for the arguments."""
    facets = []
    for hashtag in hashtags:
        name = hashtag.removeprefix("#")
        if text:
            text += " "
        start = len(text.encode("utf-8"))
        text += f"#{name}"
        facets.append(
            {
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": start, "byteEnd": len(text.encode("utf-8"))},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": name}],
            }
        )
    if created_at is None:
        created_at = dt.datetime.now(dt.UTC)
    record: dict = {"$type": POST, "text": text}
    if isinstance(created_at, dt.datetime):
        created_at = _iso(created_at)
    record["createdAt"] = created_at
    if langs := list(langs):
        record["langs"] = langs
    if facets:
        record["facets"] = facets
    if tags := [tag.removeprefix("#") for tag in tags]:
        record["tags"] = tags
    if labels := list(labels):
        record["labels"] = {
            "$type": "com.atproto.label.defs#selfLabels",
            "values": [{"val": value} for value in labels],
        }
    if embed is not None:
        specs = [_image_spec(spec, index) for index, spec in enumerate(images or [None])]
        record["embed"] = _embed(embed, did, rkey, specs)
    return record


# --- Jetstream ---------------------------------------------------------------------------------


class _Subscriber:
    """One open /subscribe connection: its filters and the queue of frames it is owed."""

    def __init__(self, websocket, collections: list[str], dids: list[str]):
        self.websocket = websocket
        self.exact = {c for c in collections if not c.endswith(".*")}
        self.prefixes = [c[:-1] for c in collections if c.endswith(".*")]
        self.dids = set(dids)
        self.queue: asyncio.Queue[str] = asyncio.Queue()

    def wants(self, event: dict) -> bool:
        if self.dids and event["did"] not in self.dids:
            return False
        if event["kind"] != "commit" or not (self.exact or self.prefixes):
            return True
        collection = event["commit"]["collection"]
        return collection in self.exact or any(collection.startswith(p) for p in self.prefixes)


class Jetstream:
    """A Jetstream v1 `/subscribe` server with a history to replay from.

    `post`/`delete`/`identity`/`account`/`commit` record an event and push it to every
    subscriber whose filters want it; a connection with `?cursor=` first gets the history
    from that time on. Events are JSON text frames, serialised once, as Jetstream does.
    """

    def __init__(self):
        self.events: list[dict] = []
        self._frames: list[str] = []
        self._connections: list[dict] = []
        self._subscribers: set[_Subscriber] = set()
        self._condition = threading.Condition()
        self._last_us = 0
        self._seq = itertools.count(30_000_000_000)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    # lifecycle

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/subscribe"

    def start(self) -> "Jetstream":
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        failure: list[BaseException] = []

        async def open_server():
            return await serve(self._handle, "127.0.0.1", 0, process_request=self._check_request)

        def run():
            asyncio.set_event_loop(self._loop)
            try:
                self._server = self._loop.run_until_complete(open_server())
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as error:
                failure.append(error)
                raise
            finally:
                ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="jetstream-double", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the Jetstream double did not start")
        if failure:
            raise RuntimeError("the Jetstream double did not start") from failure[0]
        return self

    def stop(self) -> None:
        if self._loop is None:
            return

        async def shut():
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(shut(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._loop = None

    def __enter__(self) -> "Jetstream":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # what connected

    @property
    def connections(self) -> list[dict]:
        """Query parameters of every accepted connection, in order (a copy)."""
        with self._condition:
            return [dict(c) for c in self._connections]

    def wait_for_connections(self, n: int, timeout: float = 10) -> list[dict]:
        """Block until at least `n` connections have been accepted in all; returns them."""
        with self._condition:
            if not self._condition.wait_for(lambda: len(self._connections) >= n, timeout):
                raise TimeoutError(
                    f"{len(self._connections)} connection(s) to Jetstream, wanted {n}"
                )
            return [dict(c) for c in self._connections]

    def open_connections(self) -> int:
        with self._condition:
            return len(self._subscribers)

    # events

    def _time_us(self) -> int:
        """Near real time, strictly increasing: Jetstream's cursor is this very number."""
        with self._condition:
            self._last_us = max(time.time_ns() // 1000, self._last_us + 1)
            return self._last_us

    def commit(
        self,
        did: str,
        collection: str,
        record: dict | None,
        rkey: str | None = None,
        operation: str = "create",
        *,
        time_us: int | None = None,
    ) -> dict:
        """Emit a commit of any collection (deletes carry neither record nor cid)."""
        time_us = time_us or self._time_us()
        body: dict = {
            "rev": tid(time_us, 1),
            "operation": operation,
            "collection": collection,
            "rkey": rkey or tid(time_us),
        }
        if operation != "delete":
            body["record"] = record
            body["cid"] = record_cid(record)
        return self._publish({"did": did, "time_us": time_us, "kind": "commit", "commit": body})

    def post(
        self,
        did: str,
        rkey: str | None = None,
        text: str = "",
        *,
        hashtags: Iterable[str] = (),
        tags: Iterable[str] = (),
        images: Sequence = (),
        labels: Iterable[str] = (),
        embed: str | None = "images",
        langs: Iterable[str] = ("en",),
        created_at: dt.datetime | str | None = None,
    ) -> dict:
        """Emit the creation of a post; returns the event.

        `hashtags` are appended to `text` as `#tag` words with tag facets; `tags` go to the
        record's `tags`; `labels` become self-labels; `images` holds dicts
        `{"alt", "width", "height"}` (None width/height: no aspectRatio), ints (a seed for a
        different blob) or None (defaults); without any, one default image. `embed` is
        "images", "recordWithMedia" (a quote with images), "video", "external" or None.
        """
        time_us = self._time_us()
        rkey = rkey or tid(time_us)
        record = post_record(
            did,
            rkey,
            text,
            hashtags=hashtags,
            tags=tags,
            images=images,
            labels=labels,
            embed=embed,
            langs=langs,
            created_at=created_at,
        )
        return self.commit(did, POST, record, rkey, time_us=time_us)

    def delete(self, did: str, rkey: str, collection: str = POST) -> dict:
        return self.commit(did, collection, None, rkey, "delete")

    def identity(self, did: str, handle: str | None) -> dict:
        """Emit an identity event (handle change); a None handle is left out, as on the wire."""
        time_us = self._time_us()
        body: dict = {"did": did}
        if handle is not None:
            body["handle"] = handle
        body.update(
            seq=next(self._seq), time=_iso(dt.datetime.fromtimestamp(time_us / 1e6, dt.UTC))
        )
        return self._publish({"did": did, "time_us": time_us, "kind": "identity", "identity": body})

    def account(self, did: str, active: bool = True, status: str | None = None) -> dict:
        """Emit an account event; inactive accounts carry a status (default `deactivated`)."""
        time_us = self._time_us()
        body: dict = {
            "active": active,
            "did": did,
            "seq": next(self._seq),
            "time": _iso(dt.datetime.fromtimestamp(time_us / 1e6, dt.UTC)),
        }
        if not active or status:
            body["status"] = status or "deactivated"
        return self._publish({"did": did, "time_us": time_us, "kind": "account", "account": body})

    def send_raw(self, text: str) -> None:
        """Send `text` as one frame to every open connection, unchecked and not kept."""

        async def send():
            for subscriber in list(self._subscribers):
                subscriber.queue.put_nowait(text)

        self._run(send())

    def drop_connections(self, code: int | None = None, timeout: float = 5) -> None:
        """Cut every open connection: abort the TCP stream, or close with `code` if given."""

        async def drop():
            for subscriber in list(self._subscribers):
                if code is None:
                    subscriber.websocket.transport.abort()
                else:
                    await subscriber.websocket.close(code, "jetstream double dropped you")

        self._run(drop())
        with self._condition:
            self._condition.wait_for(lambda: not self._subscribers, timeout)

    def _publish(self, event: dict) -> dict:
        frame = json.dumps(event, ensure_ascii=False, separators=(",", ":"))

        async def publish():
            self.events.append(event)
            self._frames.append(frame)
            for subscriber in list(self._subscribers):
                if subscriber.wants(event):
                    subscriber.queue.put_nowait(frame)

        self._run(publish())
        return event

    def _run(self, coroutine):
        if self._loop is None:
            raise RuntimeError("the Jetstream double is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    # the server side

    def _check_request(self, connection, request):
        """Refuse what Jetstream refuses before the upgrade: other paths, a bad cursor."""
        parts = urlsplit(request.path)
        if parts.path != "/subscribe":
            return connection.respond(404, "404 page not found\n")
        cursor = parse_qs(parts.query).get("cursor", [""])[0]
        if cursor and not cursor.lstrip("-").isdigit():
            return connection.respond(400, f"invalid cursor: {cursor}\n")
        return None

    async def _handle(self, websocket):
        query = parse_qs(urlsplit(websocket.request.path).query)
        collections = query.get("wantedCollections", [])
        dids = query.get("wantedDids", [])
        cursor = query.get("cursor", [None])[0]
        subscriber = _Subscriber(websocket, collections, dids)
        if cursor:
            # Replay and registration happen without yielding, so no event is lost or doubled.
            for event, frame in zip(self.events, self._frames, strict=True):
                if event["time_us"] >= int(cursor) and subscriber.wants(event):
                    subscriber.queue.put_nowait(frame)
        with self._condition:
            self._subscribers.add(subscriber)
            self._connections.append(
                {"wantedCollections": collections, "wantedDids": dids, "cursor": cursor}
            )
            self._condition.notify_all()
        pump = asyncio.create_task(self._pump(subscriber))
        try:
            async for _message in websocket:
                pass  # options_update frames: the double keeps the filters it started with
        except ConnectionClosed:
            pass
        finally:
            pump.cancel()
            with self._condition:
                self._subscribers.discard(subscriber)
                self._condition.notify_all()

    async def _pump(self, subscriber: _Subscriber):
        try:
            while True:
                await subscriber.websocket.send(await subscriber.queue.get())
        except ConnectionClosed:
            pass


# --- AppView -----------------------------------------------------------------------------------

_XRPC_ERRORS = {
    400: "InvalidRequest",
    401: "AuthenticationRequired",
    403: "Forbidden",
    404: "XRPCNotSupported",
    413: "PayloadTooLarge",
    429: "RateLimitExceeded",
    500: "InternalServerError",
    501: "MethodNotImplemented",
    502: "UpstreamFailure",
    503: "NotEnoughResources",
    504: "UpstreamTimeout",
}
MAX_ACTORS = 25


class AppView:
    """The AppView's `GET /xrpc/app.bsky.actor.getProfiles`, unauthenticated as the public one.

    Actors are DIDs or handles; unknown ones are simply absent from `profiles`. More than
    25 is the lexicon's 400 `InvalidRequest`. `requests` lists the actors of every call.
    """

    def __init__(self):
        self.profiles: dict[str, dict] = {}
        self.requests: list[list[str]] = []
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add_profile(
        self, did: str, handle: str, display_name: str = "", avatar: str | None = None
    ) -> dict:
        """Know a profile; `avatar` is a URL (see `avatar_url`) or None for none."""
        profile: dict = {"did": did, "handle": handle}
        if display_name:
            profile["displayName"] = display_name
        if avatar:
            profile["avatar"] = avatar
        profile.update(
            {
                "associated": {"lists": 0, "feedgens": 0, "starterPacks": 0, "labeler": False},
                "indexedAt": "2024-11-20T10:00:00.000Z",
                "createdAt": "2023-05-01T12:00:00.000Z",
                "viewer": {"muted": False, "blockedBy": False},
                "labels": [],
                "followersCount": 120,
                "followsCount": 80,
                "postsCount": 42,
            }
        )
        with self._lock:
            self.profiles[did] = profile
        return profile

    def fail_next(self, n: int = 1, status: int = 503) -> None:
        """Answer the next `n` calls with `status` and an XRPC error body."""
        with self._lock:
            self._failures.extend([status] * n)

    def _answer(self, path: str, query: str) -> tuple[int, dict]:
        if path != "/xrpc/app.bsky.actor.getProfiles":
            if path.startswith("/xrpc/"):
                return 501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"}
            return 404, {"error": "NotFound", "message": "Not Found"}
        actors = parse_qs(query).get("actors", [])
        with self._lock:
            self.requests.append(actors)
            status = self._failures.pop(0) if self._failures else None
            known = dict(self.profiles)
        if status is not None:
            name = _XRPC_ERRORS.get(status, "InternalServerError")
            return status, {"error": name, "message": name}
        if not actors:
            return 400, {
                "error": "InvalidRequest",
                "message": 'Error: Params must have the property "actors"',
            }
        if len(actors) > MAX_ACTORS:
            return 400, {
                "error": "InvalidRequest",
                "message": f"Error: actors must not have more than {MAX_ACTORS} elements",
            }
        by_handle = {profile["handle"]: profile for profile in known.values()}
        found, seen = [], set()
        for actor in actors:
            profile = known.get(actor) or by_handle.get(actor.lower())
            if profile and profile["did"] not in seen:
                seen.add(profile["did"])
                found.append(profile)
        return 200, {"profiles": found}

    def start(self) -> "AppView":
        appview = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                status, body = appview._answer(parts.path, parts.query)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="appview-double", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> "AppView":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def jetstream():
    with Jetstream() as server:
        yield server


@pytest.fixture
def appview():
    with AppView() as server:
        yield server
