"""Where media are taken: which city a geography covers, and points and spots inside it."""

import math
import random

from feed.models import City

EARTH_RADIUS = 6_371_000  # metres

# Spots that make believable location names for the original cities.
SPOTS = {
    "seattle": [
        "Pike Place Market",
        "Kerry Park",
        "Gas Works Park",
        "Alki Beach",
        "Pioneer Square",
        "Seattle Center",
        "Discovery Park",
        "Capitol Hill",
        "Ballard Locks",
        "Fremont",
    ],
    "new-york": [
        "Central Park",
        "Brooklyn Bridge",
        "Times Square",
        "The High Line",
        "DUMBO",
        "Grand Central Terminal",
        "Washington Square Park",
        "Chinatown",
        "Williamsburg",
    ],
    "los-angeles": [
        "Griffith Observatory",
        "Venice Beach",
        "Santa Monica Pier",
        "Echo Park",
        "Arts District",
        "Grand Central Market",
        "Silver Lake",
        "Hollywood Hills",
    ],
    "pittsburgh": [
        "Mount Washington",
        "Point State Park",
        "The Strip District",
        "PNC Park",
        "Smithfield Street Bridge",
        "Lawrenceville",
        "Schenley Park",
        "Market Square",
    ],
    "san-francisco": [
        "Golden Gate Bridge",
        "Dolores Park",
        "Ferry Building",
        "Lombard Street",
        "Ocean Beach",
        "Mission District",
        "Twin Peaks",
        "Chinatown",
        "Alamo Square",
    ],
    "washington-dc": [
        "National Mall",
        "Lincoln Memorial",
        "Georgetown Waterfront",
        "Tidal Basin",
        "Eastern Market",
        "U Street",
        "Union Station",
        "The Wharf",
    ],
    "london": [
        "South Bank",
        "Borough Market",
        "Tower Bridge",
        "Camden Market",
        "Hyde Park",
        "Shoreditch",
        "Primrose Hill",
        "Covent Garden",
        "Notting Hill",
        "Greenwich",
    ],
    "rome": [
        "Trastevere",
        "Piazza Navona",
        "Campo de' Fiori",
        "Pantheon",
        "Trevi Fountain",
        "Villa Borghese",
        "Monti",
        "Spanish Steps",
        "Testaccio",
        "Colosseum",
    ],
}
GENERIC_SPOTS = ["Old Town", "Waterfront", "Central Station", "City Park", "Market Hall"]


def city_at(lat: float, lng: float, radius: float) -> City | None:
    """The active city whose centre lies inside the circle, the nearest when several do."""
    inside = [
        (distance(lat, lng, city.lat, city.lng), city.pk, city)
        for city in City.objects.filter(active=True)
        if distance(lat, lng, city.lat, city.lng) <= radius
    ]
    return min(inside)[2] if inside else None


def distance(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS * math.asin(math.sqrt(a))


def point_within(lat: float, lng: float, radius: float, rng: random.Random) -> tuple[float, float]:
    """A random point inside the circle (uniform over its area, kept off the very edge)."""
    reach = 0.95 * radius * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = reach * math.cos(bearing) / EARTH_RADIUS
    dlng = reach * math.sin(bearing) / (EARTH_RADIUS * math.cos(math.radians(lat)))
    return round(lat + math.degrees(dlat), 6), round(lng + math.degrees(dlng), 6)


def spot(place: str, rng: random.Random) -> str:
    return rng.choice(SPOTS.get(place, GENERIC_SPOTS))
