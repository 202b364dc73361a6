"""Simulated activity: new media in the subscribed cities at a steady rate, each announced.

Media go into the source's database first, then every subscriber of the
geography gets a signed notification, so the fetch it triggers finds them.
"""

import itertools
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from .content import new_media
from .models import Geography
from .notifier import Notifier


class NothingToSimulate(Exception):
    """No subscribed geography matches what was asked for."""


@dataclass
class Progress:
    elapsed: float = 0.0
    photos: int = 0
    notifications: int = 0
    errors: int = 0
    last_error: str = ""

    def __str__(self):
        return (
            f"{self.elapsed:5.0f} s  {self.photos} photos made, "
            f"{self.notifications} notifications sent, {self.errors} errors"
        )


def subscribed_geographies(cities: list[str] = ()) -> list[Geography]:
    """The geographies somebody subscribed to, only those of `cities` when given."""
    subscribed = list(Geography.objects.filter(subscriptions__isnull=False).distinct())
    if not cities:
        if not subscribed:
            raise NothingToSimulate("no subscriptions at the source: run manage.py subscribe")
        return subscribed
    missing = sorted(set(cities) - {geography.place for geography in subscribed})
    if missing:
        raise NothingToSimulate(f"no subscription covers {', '.join(missing)}")
    return [geography for geography in subscribed if geography.place in cities]


def simulate(
    rate: float,
    cities: list[str] = (),
    burst: int = 0,
    duration: float | None = None,
    stop: threading.Event | None = None,
    report: Callable[[Progress], None] | None = None,
    every: float = 5.0,
) -> Progress:
    """Post `burst` photos in each city at once, then `rate` a second across them, round-robin.

    Runs until `duration` seconds have passed or `stop` is set; `report` gets
    the progress every `every` seconds. Returns the final progress.
    """
    geographies = subscribed_geographies(cities)
    rng = random.Random()
    rng.shuffle(geographies)
    turns = itertools.cycle(geographies)
    notifier, progress = Notifier(), Progress()
    stop = stop or threading.Event()
    started = time.monotonic()

    def post(batch: Counter) -> None:
        for geography, count in batch.items():
            for _ in range(count):
                new_media(geography, rng)
                progress.photos += 1
            for subscription in geography.subscriptions.all():
                notifier.notify(subscription)
        progress.notifications, progress.errors = notifier.sent, notifier.errors
        progress.last_error = notifier.last_error

    if burst:
        post(Counter({geography: burst for geography in geographies}))
    made, next_report = 0, every
    while not stop.is_set():
        elapsed = time.monotonic() - started
        if duration is not None:
            elapsed = min(elapsed, duration)
        # Photos owed so far; several when the loop fell behind, then one notification per city.
        if (due := int(elapsed * rate) - made) > 0:
            post(Counter(next(turns) for _ in range(due)))
            made += due
        if duration is not None and elapsed >= duration:
            break
        if report and elapsed >= next_report:
            progress.elapsed = elapsed
            report(progress)
            next_report += every
        wait = (made + 1) / rate - elapsed if rate > 0 else 0.5
        if duration is not None:
            wait = min(wait, duration - elapsed)
        stop.wait(min(max(wait, 0.005), 0.5))
    progress.elapsed = time.monotonic() - started
    return progress
