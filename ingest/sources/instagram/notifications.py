"""Parsing a Realtime notification body: a poke per geography, not the photos."""

import json

MAX_UPDATES = 10_000


class InvalidNotification(ValueError):
    """The body is not a JSON list of update objects."""


def geography_objects(body: bytes) -> list[str]:
    """The distinct geography object ids a notification pokes, in order of appearance."""
    try:
        updates = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise InvalidNotification("body is not JSON") from error
    if not isinstance(updates, list):
        raise InvalidNotification("body is not a JSON list")
    if len(updates) > MAX_UPDATES:
        raise InvalidNotification(f"more than {MAX_UPDATES} updates")
    objects = []
    for update in updates:
        if not isinstance(update, dict):
            raise InvalidNotification("an update is not an object")
        if update.get("object") == "geography" and update.get("object_id") is not None:
            object_id = str(update["object_id"])
            if object_id not in objects:
                objects.append(object_id)
    return objects
