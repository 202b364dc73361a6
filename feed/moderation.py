"""Moderation: hiding photos, blocking users and words in captions."""

import re

from django.db import transaction

from .models import BlockedUser, BlockedWord, Photo
from .signals import photos_hidden


def block_reason(message: dict) -> str | None:
    """Why a photo message must stay off the site, or None when it may be shown."""
    username = (message.get("user") or {}).get("username") or ""
    if username and BlockedUser.objects.filter(username__iexact=username).exists():
        return f"user {username} is blocked"
    caption = message.get("caption") or ""
    for word in BlockedWord.objects.values_list("word", flat=True):
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", caption, re.IGNORECASE):
            return f"caption contains blocked word {word!r}"
    return None


def hide_photos(photos) -> int:
    """Hide the given photos and announce it, so open pages retract them live."""
    with transaction.atomic():
        newly = list(photos.filter(hidden=False).values_list("pk", "media_id", "city__slug"))
        Photo.objects.filter(pk__in=[pk for pk, _, _ in newly]).update(hidden=True)
        hidden = [(media_id, city) for _, media_id, city in newly]
        if hidden:
            transaction.on_commit(lambda: photos_hidden.send(sender=Photo, photos=hidden))
    return len(hidden)


def show_photos(photos) -> int:
    """Undo a hide; the photos appear again for new visitors."""
    return photos.filter(hidden=True).update(hidden=False)


def block_user(username: str, reason: str = "") -> int:
    """Block a user: hide every photo of theirs; returns how many were hidden."""
    BlockedUser.objects.get_or_create(username=username, defaults={"reason": reason})
    return hide_photos(Photo.objects.filter(username__iexact=username))


def apply_blocked_word(word: str) -> int:
    """Hide the stored photos whose caption contains `word`."""
    pattern = rf"(^|\W){re.escape(word)}(\W|$)"
    return hide_photos(Photo.objects.filter(caption__iregex=pattern))
