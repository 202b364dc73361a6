"""Signals the feed sends; other apps listen without the feed knowing them."""

from django.dispatch import Signal

# Sent with `photos`: a list of (photo id, city slug) just hidden, so open pages can drop them.
photos_hidden = Signal()

# Sent with `photos`: Photo objects a moderator approved (or showed again): publish them.
photos_approved = Signal()

# Sent with `photo` and `pinned`: pages move the photo first, or back among the others.
pins_changed = Signal()

# Sent with `decision` (a Decision): other moderators' desks show it.
photo_decided = Signal()
