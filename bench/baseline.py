"""The baseline: a bare `websockets` server broadcasting the same frames with `broadcast`.

Run as `python -m bench.baseline --fd N [--compression on|off]` on a
listening socket the benchmark hands over; permessage-deflate follows the
project's (off unless told; on, websockets' defaults, which uvicorn uses too).
Every connection, whatever its path, receives every frame;
`GET /_bench/publish?city=<slug>&count=<n>` answers at once and then
broadcasts n photo frames, serialized once each, as fast as it can.
"""

import argparse
import asyncio
import socket
import time
from urllib.parse import parse_qs, urlsplit

import uvloop
from websockets.asyncio.server import broadcast, serve

from feed.frames import photo_frame
from wazstagram import collector

from .photos import PUBLISH_PATH, photo_message

clients = set()


async def handler(connection):
    clients.add(connection)
    try:
        await connection.wait_closed()
    finally:
        clients.discard(connection)


def process_request(connection, request):
    url = urlsplit(request.path)
    if url.path != PUBLISH_PATH:
        return None
    query = parse_qs(url.query)
    city, count, published_at = query["city"][0], int(query["count"][0]), time.time()
    messages = [photo_message(city, published_at) for _ in range(count)]
    asyncio.get_running_loop().create_task(_broadcast(messages))
    return connection.respond(200, "published\n")


async def _broadcast(messages):
    for message in messages:
        broadcast(clients, photo_frame(message))
        await asyncio.sleep(0)


async def main(fd, compression):
    sock = socket.socket(fileno=fd)
    async with serve(
        handler,
        sock=sock,
        process_request=process_request,
        compression="deflate" if compression == "on" else None,
        max_queue=None,
    ) as server:
        collector.tune(collector.DEFAULT_THRESHOLDS)  # as the project's web processes
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--compression", choices=["on", "off"], default="off")
    args = parser.parse_args()
    # The event loop uvicorn runs the project on, so that both sides compare like with like.
    uvloop.run(main(args.fd, args.compression))
