"""Made-up but believable media: who posted it, where, what they wrote, how liked it is."""

import random

from . import places
from .models import Geography, Media

FIRST_NAMES = [
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Felix",
    "Grace",
    "Hiro",
    "Ines",
    "Jonah",
    "Kira",
    "Luca",
    "Maya",
    "Noah",
    "Olga",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
]
LAST_NAMES = [
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Rossi",
    "Nguyen",
    "Silva",
    "Kowalski",
    "Haddad",
    "Murphy",
    "Petrova",
    "Garcia",
    "Schmidt",
    "Chen",
    "Dubois",
    "Walker",
]
HANDLE_STYLES = ["{first}{last}", "{first}_{last}", "{first}.shoots", "{first}{number}"]

MOMENTS = [
    ("Golden hour over {city}", ["goldenhour", "sunset"]),
    ("Morning light at {spot}", ["morning", "light"]),
    ("Can't get enough of {city} at night", ["nightlights", "citylife"]),
    ("Coffee first, then {spot}", ["coffee", "weekend"]),
    ("Lost in {spot} again", ["wanderlust", "streetphotography"]),
    ("Blue skies over {city} today", ["bluesky", "travel"]),
    ("This view never gets old", ["view", "skyline"]),
    ("Rainy streets, neon dreams", ["rain", "neon"]),
    ("Weekend wandering around {spot}", ["weekend", "explore"]),
    ("Hello from {city}!", ["travel", "hello"]),
]


def new_media(geography: Geography, rng: random.Random) -> Media:
    """A fresh photo at `geography`, stored; its id is newer than every media before it."""
    user_id = rng.randrange(1, 400)
    username, full_name = _user(user_id)
    spot = places.spot(geography.place, rng)
    lat, lng = places.point_within(geography.lat, geography.lng, geography.radius, rng)
    text, tags = rng.choice(MOMENTS)
    tags = [*tags, geography.place.replace("-", "")] if geography.place else list(tags)
    caption = text.format(city=geography.name, spot=spot) + " " + " ".join(f"#{t}" for t in tags)
    return Media.objects.create(
        geography=geography,
        user_id=user_id,
        username=username,
        full_name=full_name,
        caption="" if rng.random() < 0.1 else caption,
        location_name=spot,
        lat=lat,
        lng=lng,
        likes=min(int(rng.paretovariate(1.2) * 12) - 12, 99_999),
        tags=tags,
        seed=rng.randrange(2**31),
    )


def _user(user_id: int) -> tuple[str, str]:
    """The same user id always has the same name."""
    rng = random.Random(user_id)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    handle = rng.choice(HANDLE_STYLES).format(
        first=first.lower(), last=last.lower(), number=user_id
    )
    return handle, f"{first} {last}"
