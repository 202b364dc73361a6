"""A bounded memory of the photo ids one connection has already been sent."""


class RecentIds:
    """Remembers the last `size` ids; `add` is False for an id it still remembers."""

    def __init__(self, size: int):
        self.size = size
        self._ids: dict[str, None] = {}  # insertion-ordered: the oldest id is forgotten first

    def add(self, photo_id: str) -> bool:
        if photo_id in self._ids:
            return False
        self._ids[photo_id] = None
        if len(self._ids) > self.size:
            del self._ids[next(iter(self._ids))]
        return True

    def discard(self, photo_id: str) -> None:
        self._ids.pop(photo_id, None)

    def __contains__(self, photo_id: str) -> bool:
        return photo_id in self._ids
