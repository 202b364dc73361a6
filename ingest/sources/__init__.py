"""Where photos come from: one sub-package per source, each behind the same small interface.

A source says what it needs of a city (`needs`), how it runs (`runs`: an HTTP callback
pokes it, it polls, or it holds a stream open) and turns one item of its wire format into
photo messages (`to_messages`). Poll and stream sources have a `run` coroutine, which
`manage.py runsources` (or the embedded web process) runs until told to stop.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Literal

from django.conf import settings

from feed.photo import SOURCE_NAMES, PhotoMessage, Source

from .run import Run


@dataclass(frozen=True)
class PhotoSource:
    name: Source
    runs: Literal["push", "poll", "stream"]
    needs: Literal["geography", "hashtags"]  # geography: the city's lat, lng and radius
    to_messages: Callable[..., list[PhotoMessage]]
    run: Callable[[Run], Awaitable[None]] | None = None  # poll and stream sources
    credentials: tuple[str, ...] = ()  # the settings it cannot run without


def get(name: Source) -> PhotoSource:
    return import_module(f"{__name__}.{name}").SOURCE


def enabled() -> list[PhotoSource]:
    """The sources SOURCES names (unknown names are system check wazstagram.E005)."""
    return [get(name) for name in settings.SOURCES if name in SOURCE_NAMES]


def runnable() -> list[PhotoSource]:
    """The enabled sources that `runsources` runs: every one but push sources."""
    return [source for source in enabled() if source.run is not None]
