"""Every benchmark runs end to end with a tiny load and ends with its summary line (no timings)."""

import asyncio
import re

import pytest
from websockets.asyncio.server import serve

from bench.loadclient import BrowserPage, browser_extensions
from tests.bench.running import run_bench

pytestmark = pytest.mark.slow


async def texts_of(talk, count: int, compression="deflate", extensions=None) -> tuple[list, list]:
    """The texts a load client's page got from a websockets server running `talk`, and the
    extension header each handshake offered."""
    offers, texts = [], []

    def record(connection, request):
        offers.append(request.headers.get("Sec-WebSocket-Extensions"))

    async with serve(talk, "127.0.0.1", 0, process_request=record, compression=compression) as s:
        port = s.sockets[0].getsockname()[1]
        url = f"ws://127.0.0.1:{port}/"
        _, page = await asyncio.get_running_loop().create_connection(
            lambda: BrowserPage(url, url, extensions, texts.append, lambda: None),
            "127.0.0.1",
            port,
        )
        await asyncio.wait_for(page.opened, 5)
        async with asyncio.timeout(10):
            while len(texts) < count:
                await asyncio.sleep(0.01)
        await page.close()
    return texts, offers


def test_load_clients_offer_permessage_deflate_as_chromium_does():
    async def greet(connection):
        await connection.send("hello")
        await connection.wait_closed()

    texts, offers = asyncio.run(texts_of(greet, 1, extensions=browser_extensions()))
    assert texts == ["hello"]  # inflated: the server compressed it
    assert offers == ["permessage-deflate; client_max_window_bits"]


def test_a_load_client_reads_every_frame_a_server_without_compression_sends():
    pings = []

    async def talk(connection):
        await connection.send("hello")
        await connection.send("é" * 200)  # a 16-bit length
        await connection.send("z" * 70_000)  # a 64-bit length, over several reads
        await connection.send(["frag", "mented"])  # fragments
        pings.append(await asyncio.wait_for(await connection.ping(), 5))  # the pong came
        await connection.send("after the ping")
        await connection.wait_closed()

    texts, _ = asyncio.run(texts_of(talk, 5, compression=None, extensions=browser_extensions()))
    assert texts == ["hello", "é" * 200, "z" * 70_000, "fragmented", "after the ping"]
    assert len(pings) == 1


def test_fanout_runs_against_the_project_and_the_baseline():
    lines = run_bench("fanout", "--clients", "3", "--photos", "2", "--rounds", "1")
    assert any(line.startswith("  wazstagram round 1:") for line in lines)
    assert any(line.startswith("  baseline   round 1:") for line in lines)
    assert lines[-1].startswith("fanout ratio = ")
    assert "lost 0, server cpu " in lines[-1]
    assert " µs/frame" in lines[-1]


def test_ingest_runs_against_the_callback_and_a_plain_view():
    lines = run_bench("ingest", "--seconds", "0.5", "--rounds", "1", "--connections", "2")
    assert any(line.startswith("  ingest   round 1:") for line in lines)
    assert any(line.startswith("  baseline round 1:") for line in lines)
    assert lines[-1].startswith("ingest ratio = ")
    assert "0 answers not 200" in lines[-1]


def test_end_to_end_runs_embedded_and_with_redis_and_service_bus(redis_url):
    lines = run_bench(
        "endtoend", "--clients", "3", "--rate", "5", "--seconds", "1", "--redis-url", redis_url
    )
    assert lines[-1].startswith("end to end (5 photos at 5/s, 3 clients): embedded: p50 ")
    assert "; servicebus: p50 " in lines[-1]
    assert lines[-1].count("lost 0") == 2
    # Each photo's way split at the bus, from the publish time its frame carries.
    setups = [line for line in lines if line.startswith(("  embedded: ", "  servicebus: "))]
    assert len(setups) == 2
    assert all(re.search(r"before the bus p50 \d+ ms p99 \d+ ms", line) for line in setups)


def test_capacity_runs_against_the_project_and_the_baseline():
    lines = run_bench("capacity", "--connections", "20", "--client-processes", "2")
    assert lines[-1].startswith("capacity: 20 of 20 connections held, ")
    assert ", connect rate ratio " in lines[-1]
    assert "a photo reached 20" in lines[-1]


@pytest.mark.parametrize("offer", [True, False], ids=["browser-offer", "no-compression"])
def test_compression_runs_with_server_deflate_off_and_on(offer):
    switch = [] if offer else ["--no-compression"]
    lines = run_bench("compression", "--clients", "3", "--photos", "4", "--rounds", "1", *switch)
    summary = lines[-1]
    assert summary.startswith("compression: off ")
    assert summary.count("lost 0") == 2
    off, on = (int(n.replace(",", "")) for n in re.findall(r"([0-9,]+) B/photo", summary))
    # Deflate only when the clients offer it: then the same photos take fewer bytes.
    assert on < off / 2 if offer else on == pytest.approx(off, rel=0.05)


def test_workers_serves_pages_on_both_processes_through_redis(redis_url):
    lines = run_bench(
        "workers", "--clients", "20", "--photos", "2", "--rounds", "1", "--redis-url", redis_url
    )
    assert lines[-1].startswith("workers ratio = ")
    assert lines[-1].count("lost 0") == 2
    assert re.search(r"pages \d+/\d+;", lines[-1])


def test_moderation_compares_the_word_set_with_one_expression():
    lines = run_bench("moderation", "--lengths", "5,20", "--rounds", "1", "--repeat", "2")
    assert any(line.startswith("  20 words: wazstagram ") for line in lines)
    assert lines[-1].startswith("moderation ratio = ")
