"""Instagram's Realtime protocol: a signed callback pokes a fetch of the city's geography.

Pushed, not polled: the callback view (views.py) asks the city's worker (fetcher.py) to
fetch `…/geographies/<id>/media/recent` from the stored `min_id` cursor (fetch.py).
`manage.py subscribe` creates the geography subscriptions (subscriptions.py).
"""

from .. import PhotoSource
from .media import to_messages

SOURCE = PhotoSource(
    name="instagram",
    runs="push",
    needs="geography",
    to_messages=to_messages,
    credentials=("INSTAGRAM_CLIENT_ID", "INSTAGRAM_CLIENT_SECRET", "INSTAGRAM_VERIFY_TOKEN"),
)
