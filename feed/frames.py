"""Websocket frames, serialized once and carried as text through the channel layer.

The relay builds a frame per event; every consumer forwards the same text, so
a photo shown to a thousand pages is encoded to JSON exactly once.
"""

import json

from .photo import PhotoMessage

FRAME_EVENT = "feed.frame"
PHOTO = "photo"
RETRACT = "retract"


def photo_frame(message: PhotoMessage) -> str:
    return json.dumps({"type": PHOTO, "photo": message}, separators=(",", ":"))


def retract_frame(photo_id: str) -> str:
    return json.dumps({"type": RETRACT, "id": photo_id}, separators=(",", ":"))


def layer_event(kind: str, photo_id: str, frame: str) -> dict:
    """The channel-layer message a consumer turns into one websocket send."""
    return {"type": FRAME_EVENT, "kind": kind, "id": photo_id, "frame": frame}
