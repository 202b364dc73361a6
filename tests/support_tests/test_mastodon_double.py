"""The Mastodon double held against real peers: Mastodon.py's client and types, and a websockets
client, over real sockets. If the double drifts from the protocol, these fail."""

import asyncio
import json
import re
import time
import warnings
from datetime import UTC, datetime

import pytest
import requests
import websockets
from mastodon import Mastodon
from mastodon.errors import (
    MastodonRatelimitError,
    MastodonServiceUnavailableError,
    MastodonUnauthorizedError,
)
from mastodon.return_types import Account, MediaAttachment, Status, Tag
from mastodon.types_base import AttribAccessDict, try_cast_recurse
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.support.mastodon import MastodonServer

WAIT = 10  # seconds: only a bound against hangs, never a measured quantity
TOKEN = "test-token"


@pytest.fixture
def server():
    with MastodonServer() as double:
        yield double


def client(server, token=None) -> Mastodon:
    return Mastodon(
        api_base_url=server.url,
        access_token=token,
        version_check_mode="none",
        ratelimit_method="throw",
        request_timeout=WAIT,
    )


def fetch(server, path="/api/v1/timelines/tag/seattle", **kwargs) -> requests.Response:
    return requests.get(server.url + path, timeout=WAIT, **kwargs)


def ids(page) -> list[str]:
    return [str(status.id) for status in page]


# ---------------------------------------------------------------- entity shape


def _required(cls) -> list[str]:
    """Fields Mastodon.py declares without Optional: a real server always sends them."""
    return [
        name
        for name, annotation in cls.__annotations__.items()
        if not str(annotation).strip("'\"").startswith("Optional")
    ]


def assert_complete(cls, raw: dict) -> None:
    """Every field Mastodon.py declares non-optional is on the wire (its casts would quietly fill
    a missing one with None, so look at the JSON itself)."""
    missing = [name for name in _required(cls) if name not in raw]
    assert not missing, f"{cls.__name__} lacks {missing}"


def assert_typed(status) -> None:
    """What Mastodon.py made of a status: its casts swallow failures (a bad date silently
    becomes None), so check that each part came back as the type the docs promise."""
    assert isinstance(status, Status)
    assert isinstance(status.created_at, datetime) and status.created_at.tzinfo is not None
    assert isinstance(status.account, Account)
    assert isinstance(status.account.created_at, datetime)
    assert all(isinstance(tag, Tag) for tag in status.tags)
    for media in status.media_attachments:
        assert isinstance(media, MediaAttachment)
        assert media.type in ("image", "gifv", "video", "audio", "unknown")
        if media.url is not None and media.type in ("image", "gifv", "video"):
            assert isinstance(media.meta, AttribAccessDict)
            for size in ("original", "small"):
                assert type(media.meta[size].width) is int
                assert type(media.meta[size].height) is int
            assert isinstance(media.meta.small.aspect, float)


def assert_status(raw: dict) -> Status:
    """A status as sent on the wire: complete, with the docs' types, and cast cleanly."""
    assert_complete(Status, raw)
    assert_complete(Account, raw["account"])
    for tag in raw["tags"]:
        assert_complete(Tag, tag)
    for media in raw["media_attachments"]:
        assert_complete(MediaAttachment, media)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", raw["created_at"])
    assert isinstance(raw["id"], str) and raw["id"].isdigit()
    for name in ("reblogs_count", "favourites_count", "replies_count", "quotes_count"):
        assert type(raw[name]) is int
    assert type(raw["sensitive"]) is bool
    assert raw["visibility"] in ("public", "unlisted", "private", "direct")
    for name in ("username", "acct", "display_name", "url", "avatar", "avatar_static", "header"):
        assert isinstance(raw["account"][name], str)
    status = try_cast_recurse(Status, json.loads(json.dumps(raw)))
    assert_typed(status)
    return status


def test_strict_check_catches_what_mastodon_py_swallows(server):
    """The checker is worth something only if a broken status fails it."""
    raw = server.add_status()
    assert_status(raw)
    for broken in (
        {**raw, "created_at": "yesterday-ish"},
        {k: v for k, v in raw.items() if k != "spoiler_text"},
        {**raw, "account": {k: v for k, v in raw["account"].items() if k != "acct"}},
        {**raw, "account": {**raw["account"], "created_at": "soon"}},  # cast to None silently
    ):
        with pytest.raises(AssertionError):
            assert_status(broken)


def test_statuses_parse_as_mastodon_py_statuses(server):
    server.add_status(
        ("seattle", "Rain"),
        text="Space Needle <3",
        media=({"description": "alt", "width": 4000, "height": 3000}, {"type": "gifv"}),
    )
    server.add_status(username="bob", domain="example.social", media=({"type": "video"},))
    server.add_status(media=({"type": "audio"}, {"url": None, "description": None}))

    page = client(server).timeline_hashtag("seattle", limit=40)

    assert len(page) == 3
    for status in page:
        assert_typed(status)
    for raw in fetch(server, params={"limit": 40}).json():
        assert_status(raw)
    audio, remote, local = page
    assert remote.account.acct == "bob@example.social"
    assert remote.uri.startswith("https://example.social/users/bob/statuses/")
    assert remote.media_attachments[0].remote_url.startswith("https://example.social/")
    assert local.account.acct == "alice"
    assert local.media_attachments[0].remote_url is None
    assert local.media_attachments[0].meta.original.size == "4000x3000"
    assert [t.name for t in local.tags] == ["seattle", "rain"]
    assert 'class="mention hashtag" rel="tag">#<span>seattle</span></a>' in local.content
    assert "Space Needle &lt;3" in local.content
    processing = audio.media_attachments[1]
    assert processing.url is None and processing.description is None


def test_media_urls_serve_images(server):
    raw = server.add_status(media=({"width": 300, "height": 200},))
    media = raw["media_attachments"][0]
    original = requests.get(media["url"], timeout=WAIT)
    assert original.status_code == 200
    assert original.headers["Content-Type"] == "image/png"
    assert original.content.startswith(b"\x89PNG")
    assert requests.get(media["preview_url"], timeout=WAIT).status_code == 200
    assert requests.get(raw["account"]["avatar"], timeout=WAIT).status_code == 200


# ---------------------------------------------------------------- timeline semantics


def test_pagination_follows_the_link_header(server):
    posted = [server.add_status(text=f"n{i}")["id"] for i in range(7)]
    api = client(server)

    first = api.timeline_hashtag("seattle", limit=3)
    assert ids(first) == posted[::-1][:3]
    second = api.fetch_next(first)
    assert ids(second) == posted[::-1][3:6]
    third = api.fetch_next(second)
    assert ids(third) == posted[:1]
    past_the_end = api.fetch_next(third)
    assert past_the_end == []
    assert api.fetch_next(past_the_end) is None  # an empty page carries no Link header

    back = api.fetch_previous(third)
    assert ids(back) == posted[1:4][::-1]
    link = fetch(server, params={"limit": 3}).headers["Link"]
    assert f'?limit=3&max_id={posted[4]}>; rel="next"' in link
    assert f'?limit=3&min_id={posted[6]}>; rel="prev"' in link


def test_min_id_pages_forward_and_since_id_jumps_to_the_newest(server):
    posted = [server.add_status(text=f"n{i}")["id"] for i in range(10)]
    api = client(server)

    assert ids(api.timeline_hashtag("seattle", min_id=posted[0], limit=3)) == [
        posted[3],
        posted[2],
        posted[1],
    ]
    assert ids(api.timeline_hashtag("seattle", since_id=posted[0], limit=3)) == [
        posted[9],
        posted[8],
        posted[7],
    ]
    assert ids(api.timeline_hashtag("seattle", max_id=posted[5], min_id=posted[2])) == [
        posted[4],
        posted[3],
    ]
    assert ids(api.timeline_hashtag("seattle", min_id=posted[9])) == []


def test_limit_defaults_to_20_and_caps_at_40(server):
    for i in range(45):
        server.add_status(text=f"n{i}")
    api = client(server)
    assert len(api.timeline_hashtag("seattle")) == 20
    assert len(api.timeline_hashtag("seattle", limit=40)) == 40
    assert len(api.timeline_hashtag("seattle", limit=100)) == 40


def test_hashtags_match_case_insensitively(server):
    server.add_status(("SeattleRain",))
    server.add_status(("seattlerain",))
    assert len(client(server).timeline_hashtag("SEATTLERAIN")) == 2
    assert len(fetch(server, "/api/v1/timelines/tag/SeattleRain").json()) == 2


def test_only_media_local_and_remote(server):
    with_media = server.add_status()["id"]
    text_only = server.add_status(media=())["id"]
    remote = server.add_status(domain="example.social", username="bob")["id"]
    api = client(server)

    assert ids(api.timeline_hashtag("seattle")) == [remote, text_only, with_media]
    assert ids(api.timeline_hashtag("seattle", only_media=True)) == [remote, with_media]
    assert ids(api.timeline_hashtag("seattle", local=True)) == [text_only, with_media]
    assert ids(api.timeline_hashtag("seattle", remote=True)) == [remote]


def test_any_all_none_and_visibility(server):
    both = server.add_status(("seattle", "rain"))["id"]
    sun = server.add_status(("seattle", "sun"))["id"]
    portland = server.add_status(("portland",))["id"]
    server.add_status(("seattle",), visibility="unlisted")  # never on tag timelines

    def query(**params):
        return [s["id"] for s in fetch(server, params=params).json()]

    assert query() == [sun, both]
    assert query(**{"any[]": ["portland"]}) == [portland, sun, both]
    assert query(**{"all[]": ["rain"]}) == [both]
    assert query(**{"none[]": ["rain"]}) == [sun]


def test_unknown_hashtag_is_an_empty_page_without_link(server):
    answer = fetch(server, "/api/v1/timelines/tag/nobodyusesthis")
    assert answer.status_code == 200
    assert answer.json() == []
    assert "Link" not in answer.headers


# ---------------------------------------------------------------- rate limits, auth, failures


def test_rate_limit_headers_and_429_after_the_budget():
    with MastodonServer(rate_limit=3) as server:
        server.add_status()
        seen = []
        for _ in range(3):
            answer = fetch(server)
            assert answer.status_code == 200
            seen.append(answer.headers["X-RateLimit-Remaining"])
            assert answer.headers["X-RateLimit-Limit"] == "3"
        assert seen == ["2", "1", "0"]
        reset = datetime.fromisoformat(answer.headers["X-RateLimit-Reset"].replace("Z", "+00:00"))
        assert 0 < (reset - datetime.now(UTC)).total_seconds() <= 300

        throttled = fetch(server)
        assert throttled.status_code == 429
        assert throttled.json() == {"error": "Too many requests"}
        assert throttled.headers["X-RateLimit-Remaining"] == "0"
        assert "Retry-After" not in throttled.headers
        with pytest.raises(MastodonRatelimitError):
            client(server).timeline_hashtag("seattle")

        server.reset_budget()
        assert fetch(server).status_code == 200
        server.exhaust_budget()
        assert fetch(server).status_code == 429


def test_the_window_resets():
    with MastodonServer(rate_limit=1, window_seconds=1) as server:
        fetch(server)
        deadline = time.monotonic() + WAIT
        while fetch(server).status_code == 429:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_require_token_refuses_anonymous_requests():
    with MastodonServer(require_token=True) as server:
        server.add_status()
        anonymous = fetch(server)
        assert anonymous.status_code == 401
        assert anonymous.json() == {"error": "This method requires an authenticated user"}
        assert "X-RateLimit-Remaining" in anonymous.headers
        wrong = fetch(server, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Mastodon.py warns: instance says login needed
            with pytest.raises(MastodonUnauthorizedError):
                client(server).timeline_hashtag("seattle")

        page = client(server, token=TOKEN).timeline_hashtag("seattle")
        assert len(page) == 1
        assert page[0].favourited is False  # viewer-specific fields come with a user token
        assert_typed(page[0])
        last = server.requests[-1]
        assert last.path == "/api/v1/timelines/tag/seattle"
        assert last.headers["Authorization"] == f"Bearer {TOKEN}"


def test_fail_next_then_recover(server):
    server.add_status()
    server.fail_next(3, status=503)
    assert fetch(server).status_code == 503
    # Mastodon.py first asks /api/v2/instance (a failure there is swallowed), then the timeline.
    with pytest.raises(MastodonServiceUnavailableError):
        client(server).timeline_hashtag("seattle")
    assert len(client(server).timeline_hashtag("seattle")) == 1
    assert [r.path for r in server.requests][-2:] == [
        "/api/v2/instance",
        "/api/v1/timelines/tag/seattle",
    ]


def test_requests_are_recorded(server):
    fetch(server, params={"limit": "5", "any[]": ["a", "b"]})
    path, query, headers = server.requests[-1]
    assert path == "/api/v1/timelines/tag/seattle"
    assert query == {"limit": "5", "any[]": ["a", "b"]}
    assert headers["Host"] == server.host


# ---------------------------------------------------------------- streaming


async def _next_frame(ws) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), WAIT))


async def test_streaming_delivers_update_edit_and_delete(server):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with connect(server.streaming_url, additional_headers=headers, open_timeout=WAIT) as ws:
        await ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "Seattle"}))
        await asyncio.to_thread(server.wait_for_stream_subscriptions, "seattle", 1, WAIT)
        assert server.streaming_clients() == 1

        await asyncio.to_thread(server.add_status, ("portland",))  # not subscribed
        posted = await asyncio.to_thread(server.add_status)
        frame = await _next_frame(ws)
        assert frame["stream"] == ["hashtag", "Seattle"]
        assert frame["event"] == "update"
        assert isinstance(frame["payload"], str)
        assert str(assert_status(json.loads(frame["payload"])).id) == posted["id"]

        await asyncio.to_thread(server.edit_status, posted["id"], text="edited")
        frame = await _next_frame(ws)
        assert frame["event"] == "status.update"
        assert json.loads(frame["payload"])["edited_at"] is not None

        await asyncio.to_thread(server.delete_status, posted["id"])
        frame = await _next_frame(ws)
        assert frame == {
            "stream": ["hashtag", "Seattle"],
            "event": "delete",
            "payload": posted["id"],
        }

        await ws.send(json.dumps({"type": "subscribe", "stream": "nonsense"}))
        assert await _next_frame(ws) == {"error": "Unknown stream type", "status": 400}


async def test_streaming_token_styles_and_refusals(server):
    async with connect(
        f"{server.streaming_url}?access_token={TOKEN}&stream=hashtag&tag=seattle",
        open_timeout=WAIT,
    ):
        await asyncio.to_thread(server.wait_for_stream_subscriptions, "seattle", 1, WAIT)
    async with connect(server.streaming_url, subprotocols=[TOKEN], open_timeout=WAIT) as ws:
        assert ws.subprotocol == TOKEN
    for url in (server.streaming_url, f"{server.streaming_url}?access_token=wrong"):
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url, open_timeout=WAIT):
                pass
        assert refused.value.response.status_code == 401


async def test_drop_streams_cuts_connections(server):
    async with connect(f"{server.streaming_url}?access_token={TOKEN}", open_timeout=WAIT) as ws:
        await asyncio.to_thread(server.drop_streams)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), WAIT)
    deadline = time.monotonic() + WAIT
    while server.streaming_clients():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)


def test_websockets_is_new_enough_for_one_port():
    """HTTP answers from ``process_request`` need the asyncio server of websockets >= 13."""
    assert int(websockets.__version__.split(".")[0]) >= 13
