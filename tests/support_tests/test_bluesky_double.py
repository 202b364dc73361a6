"""The Bluesky doubles held against real peers: the atproto SDK's lexicon models, atproto's
CID parser, libipld's strict DAG-CBOR codec, a websockets client and `requests`."""

import asyncio
import json
from urllib.parse import urlencode

import libipld
import pytest
import requests
from atproto import CID, models
from atproto_client.models.utils import get_or_create
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.support.bluesky import (
    AppView,
    Jetstream,
    avatar_url,
    blob_cid,
    dag_cbor,
    did_for,
    post_record,
    record_cid,
    tid,
)

ALICE = did_for("alice")
BOB = did_for("bob")
EMBED_MODELS = {
    "images": models.AppBskyEmbedImages.Main,
    "recordWithMedia": models.AppBskyEmbedRecordWithMedia.Main,
    "video": models.AppBskyEmbedVideo.Main,
    "external": models.AppBskyEmbedExternal.Main,
}


@pytest.fixture
def jetstream():
    with Jetstream() as server:
        yield server


@pytest.fixture
def appview():
    with AppView() as server:
        yield server


def strict_post(record: dict):
    """Parse as the SDK does with every check on, including string formats (did, cid, ...)."""
    return get_or_create(
        record, models.AppBskyFeedPost.Record, strict=True, strict_string_format=True
    )


def blob_links(value):
    if isinstance(value, dict):
        if set(value) == {"$link"}:
            yield value["$link"]
        for item in value.values():
            yield from blob_links(item)
    elif isinstance(value, list):
        for item in value:
            yield from blob_links(item)


async def receive(websocket, timeout: float = 3) -> dict:
    return json.loads(await asyncio.wait_for(websocket.recv(), timeout))


async def nothing_more(websocket, wait: float = 0.3) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(websocket.recv(), wait)


def subscribe_url(jetstream: Jetstream, **params) -> str:
    params.setdefault("wantedCollections", "app.bsky.feed.post")
    return f"{jetstream.url}?{urlencode(params, doseq=True)}"


# --- records ---------------------------------------------------------------------------------


@pytest.mark.parametrize("embed", [*EMBED_MODELS, None])
def test_every_embed_kind_validates_strictly(embed):
    record = post_record(
        ALICE,
        tid(1_720_000_000_000_000),
        "Café #zürich ☕",
        hashtags=["berlin", "#straße"],
        tags=["photo", "city"],
        images=[{"alt": "Spree at dusk", "width": 4000, "height": 3000}, 7, None],
        labels=["porn"],
        embed=embed,
        langs=("de", "en"),
    )
    post = strict_post(record)
    assert isinstance(post, models.AppBskyFeedPost.Record)
    if embed is None:
        assert post.embed is None
    else:
        assert isinstance(post.embed, EMBED_MODELS[embed])
    assert isinstance(post.labels, models.ComAtprotoLabelDefs.SelfLabels)
    assert [label.val for label in post.labels.values] == ["porn"]
    assert post.tags == ["photo", "city"]
    assert all(isinstance(f.features[0], models.AppBskyRichtextFacet.Tag) for f in post.facets)


def test_facet_byte_offsets_slice_the_utf8_text_to_the_hashtag():
    record = post_record(ALICE, "3l3qo2vuowo2b", "Café #zürich ☕", hashtags=["zürich", "☕x", "b"])
    text = record["text"].encode("utf-8")
    assert record["text"] == "Café #zürich ☕ #zürich #☕x #b"
    sliced = [text[f["index"]["byteStart"] : f["index"]["byteEnd"]] for f in record["facets"]]
    assert [s.decode() for s in sliced] == ["#zürich", "#☕x", "#b"]
    assert [f["features"][0]["tag"] for f in record["facets"]] == ["zürich", "☕x", "b"]


def test_hashtags_alone_make_the_text():
    record = post_record(ALICE, "3l3qo2vuowo2b", hashtags=["berlin"], embed=None)
    assert record["text"] == "#berlin"
    assert record["facets"][0]["index"] == {"byteStart": 0, "byteEnd": 7}


def test_image_dimensions_become_aspect_ratios_or_are_left_out():
    record = post_record(
        ALICE, "3l3qo2vuowo2b", images=[{"alt": "a", "width": None, "height": None}, 3]
    )
    first, second = record["embed"]["images"]
    assert "aspectRatio" not in first and first["alt"] == "a"
    assert second["aspectRatio"] == {"width": 1200, "height": 900}
    assert first["image"]["ref"] != second["image"]["ref"]
    again = post_record(ALICE, "3l3qo2vuowo2b", images=[{"alt": "a", "width": None}, 3])
    assert again["embed"]["images"][1]["image"] == second["image"], "deterministic blobs"


def test_cids_parse_and_say_what_they_address():
    record = post_record(ALICE, "3l3qo2vuowo2b", "hi", embed="recordWithMedia")
    links = list(blob_links(record))
    assert len(links) == 1
    image = CID.decode(links[0])
    assert (image.version, image.codec, image.hash.code, image.hash.size) == (1, 0x55, 0x12, 32)
    quoted = CID.decode(record["embed"]["record"]["record"]["cid"])
    assert (quoted.version, quoted.codec) == (1, 0x71)
    assert CID.decode(record_cid(record)).codec == 0x71
    assert blob_cid(b"x") == blob_cid(b"x") != blob_cid(b"y")
    assert libipld.decode_cid(blob_cid(b"")) == {
        "version": 1,
        "codec": 0x55,
        "hash": {
            "code": 0x12,
            "size": 32,
            "digest": bytes.fromhex(
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
        },
    }


def test_record_cids_hash_the_canonical_dag_cbor():
    plain = post_record(ALICE, "3l3qo2vuowo2b", "Café #zürich ☕", hashtags=["a"], embed=None)
    assert dag_cbor(plain) == libipld.encode_dag_cbor(plain)
    with_blobs = post_record(ALICE, "3l3qo2vuowo2b", "hi", images=[1, 2], embed="images")
    decoded = libipld.decode_dag_cbor(dag_cbor(with_blobs))  # strict: rejects non-canonical
    image = decoded["embed"]["images"][1]["image"]
    assert (
        libipld.encode_cid(image["ref"])
        == with_blobs["embed"]["images"][1]["image"]["ref"]["$link"]
    )
    assert decoded["text"] == "hi" and image["size"] > 0


def test_identifiers_look_like_the_real_ones():
    assert did_for("alice") == ALICE != BOB
    assert ALICE.startswith("did:plc:") and len(ALICE) == len("did:plc:") + 24
    key = tid(1_725_911_162_329_308)
    assert len(key) == 13 and key[0] in "234567abcdefghij"
    assert tid(1_725_911_162_329_308) < tid(1_725_911_162_329_309)
    assert avatar_url(ALICE).startswith(f"https://cdn.bsky.app/img/avatar/plain/{ALICE}/baf")


# --- Jetstream over the wire -------------------------------------------------------------------


async def test_live_events_reach_a_subscriber_as_json_text_frames(jetstream):
    async with connect(subscribe_url(jetstream), open_timeout=3) as websocket:
        await asyncio.to_thread(jetstream.wait_for_connections, 1, 3)
        event = jetstream.post(ALICE, text="Café #zürich ☕", hashtags=["berlin"])
        raw = await asyncio.wait_for(websocket.recv(), 3)
        assert isinstance(raw, str)
        got = json.loads(raw)
        assert got == event
        assert set(got) == {"did", "time_us", "kind", "commit"}
        assert list(got["commit"]) == ["rev", "operation", "collection", "rkey", "record", "cid"]
        assert got["commit"]["cid"] == record_cid(got["commit"]["record"])
        assert isinstance(strict_post(got["commit"]["record"]), models.AppBskyFeedPost.Record)
    assert jetstream.connections == [
        {"wantedCollections": ["app.bsky.feed.post"], "wantedDids": [], "cursor": None}
    ]


async def test_collection_filter_passes_identity_and_account_whatever_it_says(jetstream):
    async with connect(subscribe_url(jetstream), open_timeout=3) as websocket:
        await asyncio.to_thread(jetstream.wait_for_connections, 1, 3)
        jetstream.commit(ALICE, "app.bsky.feed.like", {"$type": "app.bsky.feed.like"})
        jetstream.identity(ALICE, "alice.bsky.social")
        jetstream.account(BOB, active=False)
        deleted = jetstream.delete(ALICE, "3l3qo2vuowo2b")
        identity = await receive(websocket)
        assert identity["kind"] == "identity"
        assert identity["identity"]["handle"] == "alice.bsky.social"
        assert set(identity["identity"]) == {"did", "handle", "seq", "time"}
        account = await receive(websocket)
        assert account["account"] | {"seq": 0, "time": ""} == {
            "active": False,
            "did": BOB,
            "status": "deactivated",
            "seq": 0,
            "time": "",
        }
        delete = await receive(websocket)
        assert delete == deleted
        assert set(delete["commit"]) == {"rev", "operation", "collection", "rkey"}
        await nothing_more(websocket)


async def test_prefix_filters_and_did_filters(jetstream):
    url = subscribe_url(jetstream, wantedCollections="app.bsky.feed.*", wantedDids=BOB)
    async with connect(url, open_timeout=3) as websocket:
        await asyncio.to_thread(jetstream.wait_for_connections, 1, 3)
        jetstream.post(ALICE)
        jetstream.identity(ALICE, "alice.test")
        jetstream.commit(BOB, "app.bsky.graph.follow", {"$type": "app.bsky.graph.follow"})
        like = jetstream.commit(BOB, "app.bsky.feed.like", {"$type": "app.bsky.feed.like"})
        assert await receive(websocket) == like
        await nothing_more(websocket)


async def test_a_cursor_replays_from_that_time_then_goes_live(jetstream):
    old = jetstream.post(ALICE, text="old")
    middle = jetstream.post(BOB, text="middle")
    jetstream.commit(BOB, "app.bsky.feed.like", {"$type": "app.bsky.feed.like"})
    newest = jetstream.account(ALICE)
    assert old["time_us"] < middle["time_us"] < newest["time_us"]
    url = subscribe_url(jetstream, cursor=middle["time_us"])
    async with connect(url, open_timeout=3) as websocket:
        assert await receive(websocket) == middle
        assert await receive(websocket) == newest
        live = jetstream.post(ALICE, text="live")
        assert await receive(websocket) == live
        await nothing_more(websocket)
    assert jetstream.connections[0]["cursor"] == str(middle["time_us"])


async def test_a_future_cursor_is_the_live_tail(jetstream):
    past = jetstream.post(ALICE)
    url = subscribe_url(jetstream, cursor=past["time_us"] + 60_000_000)
    async with connect(url, open_timeout=3) as websocket:
        await nothing_more(websocket)
        live = jetstream.post(BOB)
        assert await receive(websocket) == live


async def test_drop_connections_closes_the_client_which_can_reconnect(jetstream):
    async with connect(subscribe_url(jetstream), open_timeout=3) as websocket:
        await asyncio.to_thread(jetstream.wait_for_connections, 1, 3)
        assert jetstream.open_connections() == 1
        await asyncio.to_thread(jetstream.drop_connections)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(websocket.recv(), 3)
    assert jetstream.open_connections() == 0
    async with connect(subscribe_url(jetstream, cursor=1), open_timeout=3) as websocket:
        connections = await asyncio.to_thread(jetstream.wait_for_connections, 2, 3)
        assert connections[1]["cursor"] == "1"
        await asyncio.to_thread(jetstream.drop_connections, 1011)
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(websocket.recv(), 3)
        assert closed.value.rcvd.code == 1011


async def test_raw_frames_go_out_as_they_are_and_are_not_replayed(jetstream):
    async with connect(subscribe_url(jetstream), open_timeout=3) as websocket:
        await asyncio.to_thread(jetstream.wait_for_connections, 1, 3)
        jetstream.send_raw("{not json")
        assert await asyncio.wait_for(websocket.recv(), 3) == "{not json"
    assert jetstream.events == []


async def test_a_malformed_cursor_or_path_is_refused_before_the_upgrade(jetstream):
    with pytest.raises(InvalidStatus) as refused:
        await connect(subscribe_url(jetstream, cursor="yesterday"), open_timeout=3)
    assert refused.value.response.status_code == 400
    with pytest.raises(InvalidStatus) as refused:
        await connect(jetstream.url.replace("/subscribe", "/firehose"), open_timeout=3)
    assert refused.value.response.status_code == 404
    assert jetstream.connections == []


def test_time_us_is_strictly_increasing_near_now(jetstream):
    import time

    stamps = [jetstream.post(ALICE, embed=None)["time_us"] for _ in range(50)]
    assert stamps == sorted(set(stamps))
    assert abs(stamps[-1] - time.time_ns() // 1000) < 5_000_000
    assert len({event["commit"]["rkey"] for event in jetstream.events}) == 50


# --- AppView -----------------------------------------------------------------------------------


def test_get_profiles_answers_known_actors_and_leaves_out_the_rest(appview):
    appview.add_profile(ALICE, "alice.bsky.social", "Alice ☕", avatar_url(ALICE))
    appview.add_profile(BOB, "bob.test")
    answer = requests.get(
        f"{appview.url}/xrpc/app.bsky.actor.getProfiles",
        params={"actors": [BOB, did_for("nobody"), "alice.bsky.social"]},
        timeout=3,
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    profiles = answer.json()["profiles"]
    assert [p["did"] for p in profiles] == [BOB, ALICE]
    assert profiles[1]["displayName"] == "Alice ☕"
    assert profiles[1]["avatar"] == avatar_url(ALICE)
    assert "avatar" not in profiles[0] and "displayName" not in profiles[0]
    output = get_or_create(
        answer.json(),
        models.AppBskyActorGetProfiles.Response,
        strict=True,
        strict_string_format=True,
    )
    assert all(isinstance(p, models.AppBskyActorDefs.ProfileViewDetailed) for p in output.profiles)
    assert appview.requests == [[BOB, did_for("nobody"), "alice.bsky.social"]]


def test_get_profiles_refuses_more_than_25_actors(appview):
    actors = [did_for(str(n)) for n in range(26)]
    answer = requests.get(
        f"{appview.url}/xrpc/app.bsky.actor.getProfiles", params={"actors": actors}, timeout=3
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "InvalidRequest"
    assert "25" in answer.json()["message"]
    ok = requests.get(
        f"{appview.url}/xrpc/app.bsky.actor.getProfiles",
        params={"actors": actors[:25]},
        timeout=3,
    )
    assert ok.status_code == 200 and ok.json() == {"profiles": []}


def test_fail_next_answers_xrpc_errors_then_recovers(appview):
    appview.add_profile(ALICE, "alice.test")
    appview.fail_next(2, status=503)
    url = f"{appview.url}/xrpc/app.bsky.actor.getProfiles?actors={ALICE}"
    first, second, third = (requests.get(url, timeout=3) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 200)
    assert set(first.json()) == {"error", "message"}
    assert third.json()["profiles"][0]["handle"] == "alice.test"
    assert appview.requests == [[ALICE]] * 3
