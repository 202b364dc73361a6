"""Fetching one city's new media and turning it into stored, published photos."""


def fetch_city(slug: str) -> None:
    """Placeholder until the Instagram client lands."""
