"""Channel-layer group names: where the relay sends and the consumers listen."""

ALL_CITIES = "all"
ALL_GROUP = "feed.all"


def city_group(slug: str) -> str:
    """The group of one city's pages (`all` is the group of every city)."""
    return ALL_GROUP if slug == ALL_CITIES else f"feed.city.{slug}"


DESK_ALL_GROUP = "desk.all"


def desk_group(slug: str) -> str:
    """The group of the moderation desks of one city (`all`: the desks of every city)."""
    return DESK_ALL_GROUP if slug == ALL_CITIES else f"desk.city.{slug}"
