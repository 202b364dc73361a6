"""Moderation: where an arriving photo goes (the wall, the queue, or nowhere), and hiding.

Checking a photo costs no database query: blocked users and words are kept per process
and read again MODERATION_CACHE_SECONDS after they were (at once in the process where a
moderator changed them). The profanity list is better-profanity's word list (MIT,
github.com/snguyenthanh/better_profanity), matched as whole words, on unless a city turns
it off.
"""

import re
import threading
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from .models import BlockedUser, BlockedWord, City, Photo
from .photo import INSTAGRAM
from .profanity import profanity_words
from .signals import photos_hidden
from .wholewords import WholeWords


@dataclass(frozen=True)
class Verdict:
    """Where a new photo goes: shown, or hidden and (waiting) in the queue, and why."""

    hidden: bool = False
    waiting: bool = False
    reason: str = ""


SHOWN = Verdict()


def verdict(message: dict, city: City) -> Verdict:
    """Where a photo of `city` goes; a blocked author's never shows, a doubtful one waits."""
    lists = _lists()
    source = message.get("source") or INSTAGRAM
    username = ((message.get("user") or {}).get("username") or "").casefold()
    if username and (source, username) in lists.users:
        return Verdict(hidden=True, reason=f"user {username} is blocked")
    if sensitive := message.get("sensitive"):
        return Verdict(hidden=True, waiting=True, reason=f"sensitive: {sensitive}"[:200])
    caption = message.get("caption") or ""
    if lists.words and (found := lists.words.search(caption)):
        return Verdict(hidden=True, waiting=True, reason=f"blocked word {found!r}")
    if city.profanity_filter and (found := _profanity().search(caption)):
        return Verdict(hidden=True, waiting=True, reason=f"profanity {found!r}")
    if city.moderation == "pre":
        return Verdict(hidden=True, waiting=True, reason="pre-moderation")
    return SHOWN


def hide_photos(photos) -> int:
    """Hide the given photos and announce it, so open pages retract them live."""
    with transaction.atomic():
        newly = list(photos.filter(hidden=False).values_list("pk", "media_id", "city__slug"))
        Photo.objects.filter(pk__in=[pk for pk, _, _ in newly]).update(hidden=True, pinned_at=None)
        hidden = [(media_id, city) for _, media_id, city in newly]
        if hidden:
            transaction.on_commit(lambda: photos_hidden.send(sender=Photo, photos=hidden))
    return len(hidden)


def show_photos(photos) -> int:
    """Undo a hide; the photos appear again for new visitors."""
    return photos.filter(hidden=True).update(hidden=False, waiting=False)


def block_user(username: str, source: str = INSTAGRAM, reason: str = "") -> int:
    """Block a user of a source: hide every photo of theirs; returns how many were hidden."""
    BlockedUser.objects.get_or_create(
        source=source, username=username.casefold(), defaults={"reason": reason}
    )
    photos = Photo.objects.filter(source=source, username__iexact=username)
    photos.filter(waiting=True).update(waiting=False)
    return hide_photos(photos)


def apply_blocked_word(word: str) -> int:
    """Hide the stored photos whose caption contains `word`."""
    pattern = rf"(^|\W){re.escape(word)}(\W|$)"
    return hide_photos(Photo.objects.filter(caption__iregex=pattern))


@dataclass(frozen=True)
class _Lists:
    users: frozenset[tuple[str, str]]
    words: WholeWords | None
    read_at: float


_lock = threading.Lock()
_cached: _Lists | None = None


def _lists() -> _Lists:
    global _cached
    with _lock:
        cached = _cached
    if cached and time.monotonic() - cached.read_at < settings.MODERATION_CACHE_SECONDS:
        return cached
    users = frozenset(
        (source, username.casefold())
        for source, username in BlockedUser.objects.values_list("source", "username")
    )
    words = list(BlockedWord.objects.values_list("word", flat=True))
    fresh = _Lists(users, WholeWords(words) if words else None, time.monotonic())
    with _lock:
        _cached = fresh
    return fresh


def forget_lists(**kwargs) -> None:
    """A moderator changed the lists: read them again before the next photo."""
    global _cached
    with _lock:
        _cached = None


@cache
def _profanity() -> WholeWords:
    return WholeWords(profanity_words())


for _model in (BlockedUser, BlockedWord):
    post_save.connect(forget_lists, sender=_model, dispatch_uid=f"forget-{_model.__name__}")
    post_delete.connect(forget_lists, sender=_model, dispatch_uid=f"forget-{_model.__name__}-d")
