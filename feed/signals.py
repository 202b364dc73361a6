"""Signals the feed sends; other apps listen without the feed knowing them."""

from django.dispatch import Signal

# Sent with `photos`: a list of (photo id, city slug) just hidden, so open pages can drop them.
photos_hidden = Signal()
