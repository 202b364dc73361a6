"""Websocket frames, serialized once and carried as text through the channel layer.

The relay builds a frame per event; every consumer forwards the same text, so
a photo shown to a thousand pages is encoded to JSON exactly once.
"""

import json

from .photo import PhotoMessage

FRAMES_EVENT = "feed.frames"
PHOTO = "photo"
RETRACT = "retract"
PIN = "pin"
QUEUED = "queued"
DECIDED = "decided"
# Several frames in one websocket message: a burst costs a page one write, not one per photo.
BATCH = "batch"


def photo_frame(message: PhotoMessage) -> str:
    return json.dumps({"type": PHOTO, "photo": message}, separators=(",", ":"))


def retract_frame(photo_id: str) -> str:
    return json.dumps({"type": RETRACT, "id": photo_id}, separators=(",", ":"))


def pin_frame(message: PhotoMessage, pinned: bool) -> str:
    """Pages move a pinned photo first (adding it if they lack it), an unpinned one back."""
    return json.dumps({"type": PIN, "photo": message, "pinned": pinned}, separators=(",", ":"))


def queued_frame(message: PhotoMessage) -> str:
    """Moderation desks: a photo joined the queue."""
    return json.dumps({"type": QUEUED, "photo": message}, separators=(",", ":"))


def decided_frame(photo_id: str, action: str, by: str) -> str:
    """Moderation desks: a moderator decided a photo."""
    return json.dumps(
        {"type": DECIDED, "id": photo_id, "action": action, "by": by}, separators=(",", ":")
    )


def frame_of(frames: list[str]) -> str:
    """One websocket message carrying `frames` in order: the frame itself, or a batch of them.

    The frames are already JSON objects, so the batch is their concatenation, never a
    second encoding of the photos.
    """
    if len(frames) == 1:
        return frames[0]
    return f'{{"type":"{BATCH}","frames":[' + ",".join(frames) + "]}"


def layer_event(items: list[tuple[str, str, str]]) -> dict:
    """The channel-layer message carrying (kind, photo id, frame) items to a group, in order.

    One per group per relayed batch: a burst reaches each hub together, however long
    the layer takes per message, and costs the layer one message, not one per photo.
    """
    return {"type": FRAMES_EVENT, "items": [list(item) for item in items]}
