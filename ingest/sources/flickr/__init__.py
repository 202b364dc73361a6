"""Flickr, with an API key: geo search around each city, photos with their real location."""

from .. import PhotoSource
from .message import to_messages
from .search import run

SOURCE = PhotoSource(
    name="flickr",
    runs="poll",
    needs="geography",
    to_messages=to_messages,
    run=run,
    credentials=("FLICKR_API_KEY",),
)
