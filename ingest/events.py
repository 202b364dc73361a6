"""Bus events: a new photo, or a photo taken back by moderation.

{"type": "photo", "photo": {...photo message...}}
{"type": "retract", "id": "<photo id>", "city": "<slug>"}
"""

PHOTO = "photo"
RETRACT = "retract"


class InvalidEvent(ValueError):
    """An event without the fields every event must have (a poison message)."""


def photo_event(message: dict) -> dict:
    return {"type": PHOTO, "photo": message}


def retract_event(photo_id: str, city: str) -> dict:
    return {"type": RETRACT, "id": photo_id, "city": city}


def describe(event) -> tuple[str, str, str]:
    """(type, photo id, city slug) of an event; InvalidEvent when it has none."""
    try:
        kind = event["type"]
        if kind == PHOTO:
            return kind, str(event["photo"]["id"]), str(event["photo"]["city"])
        if kind == RETRACT:
            return kind, str(event["id"]), str(event["city"])
    except (KeyError, TypeError) as error:
        raise InvalidEvent(f"event lacks {error}") from error
    raise InvalidEvent(f"unknown event type {kind!r}")


def event_id(event: dict) -> str:
    """A stable id per event, so a bus can drop duplicates."""
    kind, photo_id, _ = describe(event)
    return photo_id if kind == PHOTO else f"{kind}:{photo_id}"
