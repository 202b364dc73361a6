"""Authors of posts: a DID's handle, display name and avatar from the AppView, cached.

Commits carry only the author's DID. `app.bsky.actor.getProfiles` answers up to 25 actors
a call; a profile is kept PROFILE_TTL seconds (handles and avatars change rarely). When
the AppView cannot be reached the photo still shows, with the DID as its author, and the
profile is asked again next time.
"""

import logging
import re
import time
from collections import OrderedDict

import requests
from django.conf import settings

from feed.photo import Author

from ..fields import text, web_url

logger = logging.getLogger(__name__)

BATCH = 25
PROFILE_TTL = 3600.0
MAX_PROFILES = 20_000
HANDLE = re.compile(r"[a-zA-Z0-9.-]{1,253}")


class Profiles:
    def __init__(self):
        self._cache: OrderedDict[str, tuple[float, Author]] = OrderedDict()
        self._session = requests.Session()

    def authors(self, dids: list[str]) -> dict[str, Author]:
        """Every DID's author (blocking: call it from a worker thread)."""
        now, found, missing = time.monotonic(), {}, []
        for did in dict.fromkeys(dids):
            cached = self._cache.get(did)
            if cached and now - cached[0] < PROFILE_TTL:
                found[did] = cached[1]
            else:
                missing.append(did)
        for start in range(0, len(missing), BATCH):
            batch = missing[start : start + BATCH]
            for did, author in self._fetch(batch).items():
                self._remember(did, author)
                found[did] = author
        return {did: found.get(did) or _unknown(did) for did in dids}

    def _fetch(self, dids: list[str]) -> dict[str, Author]:
        try:
            response = self._session.get(
                f"{settings.BLUESKY_APPVIEW_URL}/xrpc/app.bsky.actor.getProfiles",
                params={"actors": dids},
                timeout=settings.SOURCE_TIMEOUT,
            )
            response.raise_for_status()
            profiles = response.json().get("profiles")
        except (requests.RequestException, ValueError, AttributeError) as error:
            logger.warning(
                "bluesky: profiles of %d authors unavailable: %s",
                len(dids),
                error,
                extra={"source": "bluesky"},
            )
            return {}
        authors = {}
        for profile in profiles if isinstance(profiles, list) else []:
            if isinstance(profile, dict) and profile.get("did") in dids:
                authors[profile["did"]] = _author(profile)
        return authors

    def _remember(self, did: str, author: Author) -> None:
        self._cache[did] = (time.monotonic(), author)
        self._cache.move_to_end(did)
        while len(self._cache) > MAX_PROFILES:
            self._cache.popitem(last=False)


def _author(profile: dict) -> Author:
    handle = profile.get("handle")
    usable = isinstance(handle, str) and HANDLE.fullmatch(handle) and handle != "handle.invalid"
    return {
        "username": handle if usable else profile["did"],
        "full_name": text(profile.get("displayName"), 200),
        "avatar": web_url(profile.get("avatar")) or "",
    }


def _unknown(did: str) -> Author:
    return {"username": did, "full_name": "", "avatar": ""}
