"""The moderators' decisions: approve, reject, pin, unpin, block the author, undo.

Each decision changes a photo only from the state the moderator saw (a conditional
update), so two moderators on one queue never decide one photo twice: the second is told
who was first. Every decision is kept (the audit trail) and announced: open pages get the
photo, its retraction or its pin, other desks the decision.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Decision, Photo
from .moderation import block_user, hide_photos
from .signals import photo_decided, photos_approved, pins_changed


class Refused(Exception):
    """The decision cannot be made (already decided, too many pins…); the desk shows why."""


def decide(action: str, photo: Photo, moderator, reason: str = "") -> Decision:
    """Make one decision about `photo`; Refused when its state no longer allows it."""
    if action not in _MAKE:
        raise Refused(f"unknown action {action!r}")
    with transaction.atomic():
        was_waiting = photo.waiting
        _MAKE[action](photo)
        decision = Decision.objects.create(
            photo=photo,
            media_id=photo.media_id,
            city=photo.city,
            moderator=moderator,
            action=action,
            reason=reason[:200],
            was_waiting=was_waiting,
        )
        transaction.on_commit(lambda: photo_decided.send(sender=Decision, decision=decision))
    return decision


def undo(moderator) -> Decision:
    """Take back this moderator's last decision (not a block: lift those in the admin)."""
    last = (
        Decision.objects.filter(moderator=moderator)
        .exclude(action=Decision.UNDO)
        .select_related("photo", "photo__city")
        .first()
    )
    if last is None or last.photo is None or last.undone:
        raise Refused("nothing to undo")
    photo = last.photo
    with transaction.atomic():
        if last.action == Decision.APPROVE:
            hide_photos(Photo.objects.filter(pk=photo.pk))
            Photo.objects.filter(pk=photo.pk).update(waiting=True)
        elif last.action == Decision.REJECT:
            if last.was_waiting:
                Photo.objects.filter(pk=photo.pk).update(waiting=True)
            else:
                _show(photo)
        elif last.action == Decision.PIN:
            _unpin(photo)
        elif last.action == Decision.UNPIN:
            _pin(photo)
        else:
            raise Refused("a block is lifted in the admin (Blocked users)")
        Decision.objects.filter(pk=last.pk).update(undone=True)
        decision = Decision.objects.create(
            photo=photo,
            media_id=photo.media_id,
            city=photo.city,
            moderator=moderator,
            action=Decision.UNDO,
            reason=f"undid {last.action}",
        )
        transaction.on_commit(lambda: photo_decided.send(sender=Decision, decision=decision))
    return decision


def _approve(photo: Photo) -> None:
    if not Photo.objects.filter(pk=photo.pk, waiting=True).update(
        waiting=False, hidden=False, published_at=None
    ):
        raise Refused(_already(photo))
    _announce_shown(photo)


def _reject(photo: Photo) -> None:
    if Photo.objects.filter(pk=photo.pk, waiting=True).update(waiting=False):
        return
    if not hide_photos(Photo.objects.filter(pk=photo.pk)):
        raise Refused(_already(photo))


def _pin(photo: Photo) -> None:
    pinned = Photo.objects.filter(city=photo.city, pinned_at__isnull=False)
    if pinned.count() >= settings.FEED_MAX_PINS:
        raise Refused(f"{photo.city.name} has {settings.FEED_MAX_PINS} pinned photos already")
    if not Photo.objects.filter(pk=photo.pk, hidden=False, pinned_at__isnull=True).update(
        pinned_at=timezone.now()
    ):
        raise Refused("only a shown photo that is not pinned can be pinned")
    _announce_pin(photo, True)


def _unpin(photo: Photo) -> None:
    if not Photo.objects.filter(pk=photo.pk, pinned_at__isnull=False).update(pinned_at=None):
        raise Refused("the photo is not pinned")
    _announce_pin(photo, False)


def _block(photo: Photo) -> None:
    if not photo.username:
        raise Refused("the photo has no author to block")
    block_user(photo.username, photo.source, reason=f"blocked at the desk ({photo.media_id})")


def _show(photo: Photo) -> None:
    Photo.objects.filter(pk=photo.pk).update(hidden=False, waiting=False, published_at=None)
    _announce_shown(photo)


def _announce_shown(photo: Photo) -> None:
    transaction.on_commit(
        lambda: photos_approved.send(sender=Photo, photos=[Photo.objects.get(pk=photo.pk)])
    )


def _announce_pin(photo: Photo, pinned: bool) -> None:
    def send():
        fresh = Photo.objects.select_related("city").get(pk=photo.pk)
        pins_changed.send(sender=Photo, photo=fresh, pinned=pinned)

    transaction.on_commit(send)


_MAKE = {
    Decision.APPROVE: _approve,
    Decision.REJECT: _reject,
    Decision.PIN: _pin,
    Decision.UNPIN: _unpin,
    Decision.BLOCK: _block,
}


def _already(photo: Photo) -> str:
    last = Decision.objects.filter(photo=photo).select_related("moderator").first()
    if last is None:
        return "already decided"
    return f"already decided: {last.action} by {last.moderator or 'someone'}"
