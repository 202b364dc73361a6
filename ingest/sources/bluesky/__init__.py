"""Bluesky, without credentials: Jetstream's stream of posts, matched to cities by hashtag."""

from .. import PhotoSource
from .jetstream import run
from .message import to_messages

SOURCE = PhotoSource(
    name="bluesky", runs="stream", needs="hashtags", to_messages=to_messages, run=run
)
