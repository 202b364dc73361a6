"""Live sources on the real processes: the web process running Bluesky on one machine, and
`manage.py runsources` beside a node on Service Bus; Jetstream and the AppView are doubles.
"""

import pytest

from tests.support.bluesky import AppView, Jetstream, did_for
from tests.support.frames import message_frames
from tests.support.live import LiveSite
from tests.support.supervised import Supervised
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow
WAIT = 20  # seconds: a guard against hangs, never a measured quantity
ALICE = did_for("alice")


@pytest.fixture
def bluesky():
    with Jetstream() as jetstream, AppView() as appview:
        appview.add_profile(ALICE, "alice.bsky.social", "Alice", "https://cdn.example/a.jpg")
        yield (
            jetstream,
            {
                "SOURCES": "bluesky",
                "BLUESKY_JETSTREAM_URL": jetstream.url,
                "BLUESKY_APPVIEW_URL": appview.url,
            },
        )


def frames(stream, count: int) -> list[dict]:
    """The next `count` photo and retract frames of a live stream."""
    seen = []
    while len(seen) < count:
        for frame in message_frames(stream.recv(timeout=WAIT)):
            if frame.get("type") in ("photo", "retract"):
                seen.append(frame)
    return seen[:count]


@pytest.mark.live
def test_on_one_machine_the_web_process_shows_bluesky_posts_live(tmp_path, redis_url, bluesky):
    jetstream, env = bluesky
    site = LiveSite(tmp_path, redis_url, **env)
    try:
        site.prepare()
        site.start()
        with site.open_stream("seattle", open_timeout=WAIT) as stream:
            jetstream.wait_for_connections(1, WAIT)
            event = jetstream.post(ALICE, text="Ferry", hashtags=["seattle"], images=[{"alt": "A"}])
            (photo,) = [frame["photo"] for frame in frames(stream, 1)]
            rkey = event["commit"]["rkey"]
            assert photo["link"] == f"https://bsky.app/profile/alice.bsky.social/post/{rkey}"
            assert photo["image"]["alt"] == "A" and photo["user"]["full_name"] == "Alice"

            jetstream.delete(ALICE, rkey)
            assert frames(stream, 1) == [{"type": "retract", "id": photo["id"]}]
    finally:
        site.close()


def test_two_runsources_beside_a_node_on_service_bus_show_each_post_once(
    tmp_path, redis_url, servicebus_broker, bluesky
):
    jetstream, env = bluesky
    site = LiveSite(
        tmp_path,
        redis_url,
        SERVICEBUS_CONNECTION_STRING=servicebus_broker.connection_string,
        SERVICEBUS_TOPIC="wazages",
        REQUESTS_CA_BUNDLE=str(servicebus_broker.ca_file),
        RELAY_IN_PROCESS="true",
        **env,
    )
    runners = []
    try:
        site.prepare()
        site.start()
        runners = [Supervised("runsources", site, tmp_path) for _ in range(2)]
        for runner in runners:
            wait_for(runner.liveness.exists, "the runners to run", timeout=WAIT)
        jetstream.wait_for_connections(2, WAIT)
        assert jetstream.open_connections() == 2  # the web node runs no sources of its own
        with site.open_stream("seattle", open_timeout=WAIT) as stream:
            posts = [jetstream.post(ALICE, hashtags=["seattle"]) for _ in range(3)]
            shown = [frame["photo"]["link"] for frame in frames(stream, 3)]
            assert sorted(shown) == sorted(
                f"https://bsky.app/profile/alice.bsky.social/post/{p['commit']['rkey']}"
                for p in posts
            )
            with pytest.raises(TimeoutError):  # and nothing twice
                frames_within(stream, 2.0)
        outputs = [runner.stop() for runner in runners]
    finally:
        for runner in runners:
            runner.kill()
        site.close()
    for out in outputs:
        assert out.splitlines()[0] == "reading bluesky; Ctrl-C or SIGTERM stops"
        assert out.splitlines()[-1].startswith("bluesky stopped: ")


def frames_within(stream, seconds: float):
    while True:
        for frame in message_frames(stream.recv(timeout=seconds)):
            if frame.get("type") == "photo":
                return frame
