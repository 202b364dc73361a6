"""Bus events: a new photo, a photo taken back, pinned or unpinned, and the desks' news.

{"type": "photo", "photo": {...photo message...}}
{"type": "retract", "id": "<photo id>", "city": "<slug>"}
{"type": "pin", "photo": {...}, "pinned": true, "decision": 12}    (pages move it first)
{"type": "queued", "photo": {...}}                   (moderation desks: a photo waits)
{"type": "decided", "id": "<photo id>", "city": "<slug>", "action": "approve",
 "by": "<moderator>", "decision": 12}                (desks: another moderator decided)
"""

PHOTO = "photo"
RETRACT = "retract"
PIN = "pin"
QUEUED = "queued"
DECIDED = "decided"
# The events only moderation desks receive.
DESK_EVENTS = (QUEUED, DECIDED)


class InvalidEvent(ValueError):
    """An event without the fields every event must have (a poison message)."""


def photo_event(message: dict) -> dict:
    return {"type": PHOTO, "photo": message}


def retract_event(photo_id: str, city: str) -> dict:
    return {"type": RETRACT, "id": photo_id, "city": city}


def pin_event(message: dict, pinned: bool, decision: int) -> dict:
    return {"type": PIN, "photo": message, "pinned": pinned, "decision": decision}


def queued_event(message: dict) -> dict:
    return {"type": QUEUED, "photo": message}


def decided_event(photo_id: str, city: str, action: str, by: str, decision: int) -> dict:
    return {
        "type": DECIDED,
        "id": photo_id,
        "city": city,
        "action": action,
        "by": by,
        "decision": decision,
    }


def describe(event) -> tuple[str, str, str]:
    """(type, photo id, city slug) of an event; InvalidEvent when it has none."""
    try:
        kind = event["type"]
        if kind in (PHOTO, PIN, QUEUED):
            return kind, str(event["photo"]["id"]), str(event["photo"]["city"])
        if kind in (RETRACT, DECIDED):
            return kind, str(event["id"]), str(event["city"])
    except (KeyError, TypeError) as error:
        raise InvalidEvent(f"event lacks {error}") from error
    raise InvalidEvent(f"unknown event type {kind!r}")


def event_id(event: dict) -> str:
    """A stable id per event, so a bus can drop duplicates."""
    kind, photo_id, _ = describe(event)
    if kind in (PIN, DECIDED):  # one photo may be pinned and unpinned within minutes
        return f"{kind}:{photo_id}:{event.get('decision')}"
    return photo_id if kind == PHOTO else f"{kind}:{photo_id}"
