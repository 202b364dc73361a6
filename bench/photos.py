"""Photo messages for benchmarks (real shape, realistic sizes) and the trigger publishing them."""

import itertools
import os
import time

from feed.photo import PhotoMessage

# `GET PUBLISH_PATH?city=<slug>&count=<n>`: both servers under test publish n photos now.
PUBLISH_PATH = "/_bench/publish"
# `GET STORE_PATH?city=<slug>&count=<n>`: the project stores n photos as ingest does, then
# publishes them; answers {"ids": [...], "published_at": <time the bus took them>}.
STORE_PATH = "/_bench/store"
# `GET INTERRUPT_PATH`: the project's hubs ask every open page to reconnect (4012).
INTERRUPT_PATH = "/_bench/interrupt"
# `GET BLANK_PATH`: an empty HTML page of the project's origin, for a browser to script.
BLANK_PATH = "/_bench/blank"
# `GET PROFILE_PATH`: the project server writes its profile (when run with BENCH_PROFILE).
PROFILE_PATH = "/_bench/profile"
# `POST PLAIN_PATH`: a plain Django view answering 200 (the ingest benchmark's baseline).
PLAIN_PATH = "/_bench/plain/"

_numbers = itertools.count(1)
# Distinct ids across the processes and runs of one benchmark.
_prefix = f"{int(time.time() * 1000) % 10**9}{os.getpid() % 1000:03d}"


def photo_message(city: str, published_at: float) -> PhotoMessage:
    number = next(_numbers)
    return {
        "id": f"{_prefix}{number:06d}_{number}",
        "city": city,
        "source": "instagram",
        "image": {
            "url": f"https://img.bench/{number}/640.jpg",
            "width": 640,
            "height": 640,
            "alt": "A sunny afternoon by the water",
        },
        "thumbnail": {"url": f"https://img.bench/{number}/150.jpg", "width": 150, "height": 150},
        "link": f"https://instagram.bench/p/{number}/",
        "caption": f"Benchmark photo {number} on a sunny afternoon by the water #bench",
        "user": {
            "username": f"bench_user_{number % 97}",
            "full_name": f"Bench User {number % 97}",
            "avatar": f"https://img.bench/u/{number % 97}.jpg",
        },
        "location": {"lat": 47.6097, "lng": -122.3422, "name": "Pike Place Market"},
        "likes": number % 250,
        "license": "",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "published_at": published_at,
    }
