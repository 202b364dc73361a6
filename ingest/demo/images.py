"""Photos drawn from a seed: SVG scenes of a city, made here, no network and no files.

The same seed, place and size always give the same picture, so the images are
cached for a year. Scenes: the skyline at some hour (with the city's landmark
when it has one), night bokeh, light trails, a latte, the sea at sunset; the
city's name in small capitals at the bottom. Drawn on a 640×640 canvas and
scaled to the size asked for.
"""

import random
from xml.sax.saxutils import escape

CANVAS = 640
SIZES = {150: "thumbnail", 306: "low_resolution", 640: "standard_resolution"}
GROUND = 520

# Hours of the day: sky top, sky bottom, sun or moon, far buildings, near buildings,
# window light (None: windows dark), water.
HOURS = {
    "dawn": ("#7fb0d6", "#ffd3c4", "#fff6e0", "#a3b1c6", "#5d6f8a", None, "#7f9fbf"),
    "day": ("#2f80d8", "#bfe4ff", "#fffbe8", "#93aac4", "#506a88", None, "#3c76a8"),
    "golden": ("#d9735a", "#ffd08a", "#fff3d1", "#b9826e", "#5e3a3f", "#ffd27a", "#9c6656"),
    "dusk": ("#1a2456", "#e9879f", "#ffe0c2", "#4f4a7a", "#262545", "#ffcf70", "#3a3a66"),
    "night": ("#060b22", "#232a5c", "#f4f1de", "#1b2146", "#0d1129", "#ffd66b", "#141a3d"),
}
BOKEH = [
    ("#08121f", "#123a3a", ["#3dd68c", "#a3f7bf", "#1fa37a", "#e8f59a"]),
    ("#1a0710", "#4a1024", ["#ff5d8f", "#ff9e7a", "#ffd1dc", "#c9184a"]),
    ("#0b0a24", "#2b1d5c", ["#7f5af0", "#2cb1ff", "#f0a6ff", "#80ffdb"]),
    ("#1b1206", "#3d2a0d", ["#ffb347", "#ffd56b", "#ff7b54", "#fff1b5"]),
]


def render(seed: int, name: str, place: str, size: int) -> str:
    """The SVG of photo `seed` taken in `name` (city slug `place` picks its landmark)."""
    rng = random.Random(seed)
    scene = rng.choices([_skyline, _bokeh, _trails, _latte, _sea], weights=[7, 2, 1, 1, 1])[0]
    body = scene(rng, place)
    label = (
        f'<text x="{CANVAS - 28}" y="{CANVAS - 26}" text-anchor="end" fill="#fff" '
        'fill-opacity="0.82" font-size="17" '
        'font-family="Helvetica, Arial, sans-serif" font-weight="700" letter-spacing="3.5">'
        f"{escape(name.upper()[:40])}</text>"
    )
    return _svg(size, body + _vignette() + label)


def avatar(username: str, size: int = 150) -> str:
    """A round profile picture: two colours from the name and its first letter."""
    rng = random.Random(username)
    hue = rng.randrange(360)
    letter = escape((username[:1] or "?").upper())
    body = (
        '<defs><linearGradient id="a" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="hsl({hue},75%,62%)"/>'
        f'<stop offset="1" stop-color="hsl({(hue + 50) % 360},70%,42%)"/></linearGradient></defs>'
        f'<circle cx="320" cy="320" r="320" fill="url(#a)"/>'
        '<text x="320" y="405" text-anchor="middle" fill="#fff" font-size="260" '
        f'font-family="Helvetica, Arial, sans-serif" font-weight="700">{letter}</text>'
    )
    return _svg(size, body)


def _svg(size: int, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {CANVAS} {CANVAS}">{body}</svg>'
    )


def _gradient(id_: str, top: str, bottom: str, x2: int = 0, y2: int = 1) -> str:
    return (
        f'<linearGradient id="{id_}" x1="0" y1="0" x2="{x2}" y2="{y2}">'
        f'<stop offset="0" stop-color="{top}"/><stop offset="1" stop-color="{bottom}"/>'
        "</linearGradient>"
    )


def _glow(id_: str, color: str) -> str:
    return (
        f'<radialGradient id="{id_}"><stop offset="0" stop-color="{color}" stop-opacity="0.9"/>'
        f'<stop offset="0.35" stop-color="{color}" stop-opacity="0.35"/>'
        f'<stop offset="1" stop-color="{color}" stop-opacity="0"/></radialGradient>'
    )


def _vignette() -> str:
    return (
        '<defs><radialGradient id="vignette" cx="0.5" cy="0.45" r="0.75">'
        '<stop offset="0.6" stop-color="#000" stop-opacity="0"/>'
        '<stop offset="1" stop-color="#000" stop-opacity="0.45"/></radialGradient>'
        '<linearGradient id="shade" x1="0" y1="0" x2="0" y2="1">'
        '<stop offset="0.75" stop-color="#000" stop-opacity="0"/>'
        '<stop offset="1" stop-color="#000" stop-opacity="0.5"/></linearGradient></defs>'
        f'<rect width="{CANVAS}" height="{CANVAS}" fill="url(#vignette)"/>'
        f'<rect width="{CANVAS}" height="{CANVAS}" fill="url(#shade)"/>'
    )


def _tag(name: str, **attrs) -> str:
    """One SVG element; numbers rounded, `fill_opacity` written `fill-opacity`."""
    text = " ".join(
        f'{key.rstrip("_").replace("_", "-")}="{_number(value)}"' for key, value in attrs.items()
    )
    return f"<{name} {text}/>"


def _number(value):
    return round(value, 1) if isinstance(value, float) else value


# Scenes: each returns the SVG body for a 640×640 canvas.


def _skyline(rng: random.Random, place: str) -> str:
    hour = rng.choice(list(HOURS))
    top, bottom, light, far, near, windows, water = HOURS[hour]
    parts = [
        "<defs>",
        _gradient("sky", top, bottom),
        _gradient("water", water, top),
        _glow("sun", light),
        "</defs>",
        _tag("rect", width=CANVAS, height=CANVAS, fill="url(#sky)"),
    ]
    if hour == "night":
        parts += [
            _tag(
                "circle",
                cx=rng.uniform(0, CANVAS),
                cy=rng.uniform(0, 330),
                r=rng.uniform(0.6, 1.8),
                fill="#fff",
                fill_opacity=rng.uniform(0.4, 1),
            )
            for _ in range(70)
        ]
    sun_x, sun_y = rng.uniform(90, 550), rng.uniform(90, 300 if hour != "golden" else 380)
    sun_r = rng.uniform(22, 42)
    parts += [
        _tag("circle", cx=sun_x, cy=sun_y, r=sun_r * 4.5, fill="url(#sun)"),
        _tag("circle", cx=sun_x, cy=sun_y, r=sun_r, fill=light),
        *(_cloud(rng, hour) for _ in range(rng.randint(1, 4))),
        _background(rng, place, far),
        _buildings(rng, far, None, height=(60, 200), width=(22, 48), opacity=0.85),
        _buildings(rng, near, windows, height=(30, 140), width=(26, 62), opacity=1),
    ]
    if landmark := LANDMARKS.get(place):
        parts.append(landmark(rng.uniform(180, 460), near))
    parts.append(_tag("rect", y=GROUND, width=CANVAS, height=CANVAS - GROUND, fill="url(#water)"))
    parts += [  # reflections
        _tag(
            "rect",
            x=rng.uniform(-20, CANVAS),
            y=rng.uniform(GROUND + 6, CANVAS - 10),
            width=rng.uniform(20, 90),
            height=2,
            rx=1,
            fill=windows or light,
            fill_opacity=rng.uniform(0.15, 0.45),
        )
        for _ in range(26)
    ]
    return "".join(parts)


def _cloud(rng: random.Random, hour: str) -> str:
    x, y, scale = rng.uniform(-40, 600), rng.uniform(60, 330), rng.uniform(0.7, 1.6)
    puffs = [(0, 0, 70, 14), (-30, -8, 34, 14), (18, -12, 40, 18), (50, -2, 30, 10)]
    return (
        f'<g fill="#fff" fill-opacity="{0.25 if hour == "night" else 0.7}">'
        + "".join(
            _tag("ellipse", cx=x + dx * scale, cy=y + dy * scale, rx=rx * scale, ry=ry * scale)
            for dx, dy, rx, ry in puffs
        )
        + "</g>"
    )


def _background(rng: random.Random, place: str, color: str) -> str:
    """Mountains or hills behind the city, where it has them."""
    if place == "seattle":  # Mount Rainier
        x = round(rng.uniform(200, 440))
        snow = f"{x - 62},362 {x},300 {x + 62},362 {x + 30},352 {x + 8},366 {x - 18},350"
        return _tag(
            "polygon",
            points=f"{x - 300},{GROUND} {x},300 {x + 300},{GROUND}",
            fill=color,
            fill_opacity=0.55,
        ) + _tag("polygon", points=snow, fill="#fff", fill_opacity=0.85)
    if place in ("los-angeles", "san-francisco", "pittsburgh", "rome"):
        crest = " ".join(
            f"{x},{GROUND - 60 - 40 * rng.random():.0f}" for x in range(-40, CANVAS + 80, 80)
        )
        points = f"-40,{GROUND} {crest} {CANVAS + 40},{GROUND}"
        return _tag("polygon", points=points, fill=color, fill_opacity=0.5)
    return ""


def _buildings(rng, color, windows, height, width, opacity, ground=GROUND) -> str:
    parts, x = [f'<g fill="{color}" fill-opacity="{opacity}">'], -10.0
    while x < CANVAS:
        w, h = rng.uniform(*width), rng.uniform(*height)
        top = ground - h
        parts.append(_tag("rect", x=x, y=top, width=w + 1, height=h))
        if rng.random() < 0.25:  # an antenna
            parts.append(_tag("rect", x=x + w / 2 - 1, y=top - 18, width=2, height=18))
        if windows:
            parts.append(_windows(rng, x, top, w, h, windows))
        x += w + rng.uniform(-4, 6)
    parts.append("</g>")
    return "".join(parts)


def _windows(rng, x, top, w, h, color) -> str:
    lit = rng.uniform(0.2, 0.6)
    return "".join(
        _tag(
            "rect",
            x=x + wx,
            y=top + wy,
            width=4,
            height=6,
            fill=color,
            fill_opacity=rng.uniform(0.55, 1),
        )
        for wy in range(10, int(h) - 8, 13)
        for wx in range(6, int(w) - 6, 10)
        if rng.random() < lit
    )


def _bokeh(rng: random.Random, place: str) -> str:
    top, bottom, colors = rng.choice(BOKEH)
    parts = [
        "<defs>",
        _gradient("bg", top, bottom, x2=1),
        *(_glow(f"b{i}", color) for i, color in enumerate(colors)),
        "</defs>",
        _tag("rect", width=CANVAS, height=CANVAS, fill="url(#bg)"),
    ]
    parts += [
        _tag(
            "circle",
            cx=rng.uniform(0, CANVAS),
            cy=rng.uniform(0, CANVAS),
            r=rng.uniform(14, 70),
            fill=f"url(#b{rng.randrange(len(colors))})",
            fill_opacity=rng.uniform(0.35, 0.9),
        )
        for _ in range(rng.randint(28, 46))
    ]
    return "".join(parts)


def _trails(rng: random.Random, place: str) -> str:
    """Long exposure of a street at night: light trails running to the horizon."""
    horizon, vanish = rng.uniform(250, 330), rng.uniform(220, 420)
    parts = [
        "<defs>",
        _gradient("bg", "#05060f", "#1b1440"),
        _gradient("road", "#141225", "#2a2238"),
        _glow("glow", "#ffb347"),
        "</defs>",
        _tag("rect", width=CANVAS, height=CANVAS, fill="url(#bg)"),
        _tag("circle", cx=vanish, cy=horizon, r=220, fill="url(#glow)", fill_opacity=0.5),
        _buildings(rng, "#0b0a1c", "#ffcf70", (60, 200), (30, 70), 1, ground=horizon + 2),
        _tag(
            "polygon",
            points=f"{vanish:.0f},{horizon:.0f} -200,{CANVAS} {CANVAS + 200},{CANVAS}",
            fill="url(#road)",
        ),
    ]
    for i in range(rng.randint(10, 16)):
        start, bend = rng.uniform(-300, CANVAS + 300), rng.uniform(-60, 60)
        curve = (
            f"M{vanish:.0f},{horizon + 4:.0f} "
            f"Q{(vanish + start) / 2 + bend:.0f},{horizon + 120:.0f} {start:.0f},{CANVAS + 10}"
        )
        parts.append(
            _tag(
                "path",
                d=curve,
                fill="none",
                stroke="#ff3b3b" if i % 2 else "#fff1c4",
                stroke_width=rng.uniform(1.5, 5),
                stroke_opacity=rng.uniform(0.5, 0.95),
                stroke_linecap="round",
            )
        )
    return "".join(parts)


def _latte(rng: random.Random, place: str) -> str:
    wood = rng.choice([("#8a5a3b", "#b07a52"), ("#5e3b28", "#8a5a3b"), ("#c49a6c", "#e0bd8f")])
    cx, cy = rng.uniform(270, 370), rng.uniform(270, 360)
    heart = "M0,22 C-40,-6 -22,-34 0,-16 C22,-34 40,-6 0,22 Z"
    parts = [
        "<defs>",
        _gradient("wood", *wood, x2=1),
        '<radialGradient id="crema"><stop offset="0" stop-color="#f3dcb8"/>'
        '<stop offset="0.7" stop-color="#c98d52"/><stop offset="1" stop-color="#7a4a24"/>'
        "</radialGradient>",
        "</defs>",
        _tag("rect", width=CANVAS, height=CANVAS, fill="url(#wood)"),
        *(
            _tag("rect", y=y, width=CANVAS, height=1.5, fill="#000", fill_opacity=0.12)
            for y in range(18, CANVAS, 38)
        ),
        _tag("circle", cx=cx + 14, cy=cy + 18, r=190, fill="#000", fill_opacity=0.18),
        _tag("circle", cx=cx, cy=cy, r=185, fill="#f4f1ec"),
        _tag("circle", cx=cx, cy=cy, r=150, fill="#e6e1d8"),
        _tag(
            "rect",
            x=cx + 95,
            y=cy - 24,
            width=70,
            height=48,
            rx=24,
            fill="none",
            stroke="#f4f1ec",
            stroke_width=18,
        ),
        _tag("circle", cx=cx, cy=cy, r=100, fill="#f4f1ec"),
        _tag("circle", cx=cx, cy=cy, r=86, fill="url(#crema)"),
        _tag(
            "path",
            d=heart,
            fill="#fbf1e1",
            transform=f"translate({cx:.0f},{cy + 8:.0f}) scale(1.6)",
        ),
    ]
    return "".join(parts)


def _sea(rng: random.Random, place: str) -> str:
    top, bottom, light = rng.choice(
        [("#2b1055", "#ff8c61", "#ffe29a"), ("#0f2027", "#f7797d", "#fbd786")]
    )
    horizon, sun_x = rng.uniform(360, 420), rng.uniform(160, 480)
    parts = [
        "<defs>",
        _gradient("sky", top, bottom),
        _gradient("sea", bottom, "#1a1030"),
        _glow("sun", light),
        "</defs>",
        _tag("rect", width=CANVAS, height=CANVAS, fill="url(#sky)"),
        _tag("circle", cx=sun_x, cy=horizon - 30, r=240, fill="url(#sun)"),
        _tag("circle", cx=sun_x, cy=horizon - 30, r=58, fill=light),
        _tag("rect", y=horizon, width=CANVAS, height=CANVAS - horizon, fill="url(#sea)"),
    ]
    for i in range(18):  # the sun's path on the water
        width = 40 + i * 12
        parts.append(
            _tag(
                "rect",
                x=sun_x - width / 2 + rng.uniform(-10, 10),
                y=horizon + 8 + i * (CANVAS - horizon) / 18,
                width=width,
                height=3,
                rx=1.5,
                fill=light,
                fill_opacity=0.7 - i * 0.03,
            )
        )
    return "".join(parts)


# Landmarks: silhouettes standing on the ground line at x.


def _space_needle(x: float, color: str) -> str:
    x = round(x)
    legs = (
        f"{x - 20},{GROUND} {x - 5},330 {x + 5},330 {x + 20},{GROUND} "
        f"{x + 12},{GROUND} {x},420 {x - 12},{GROUND}"
    )
    return (
        f'<g fill="{color}">'
        + _tag("polygon", points=legs)
        + _tag("ellipse", cx=x, cy=318, rx=46, ry=10)
        + _tag("ellipse", cx=x, cy=306, rx=28, ry=9)
        + _tag("rect", x=x - 2, y=236, width=4, height=66)
        + "</g>"
    )


def _empire_state(x: float, color: str) -> str:
    tiers = [(76, 150), (56, 230), (40, 290), (24, 320), (12, 338), (4, 390)]
    return (
        f'<g fill="{color}">'
        + "".join(_tag("rect", x=x - w / 2, y=GROUND - h, width=w, height=h) for w, h in tiers)
        + "</g>"
    )


def _big_ben(x: float, color: str) -> str:
    x = round(x)
    return (
        f'<g fill="{color}">'
        + _tag("rect", x=x - 20, y=250, width=40, height=GROUND - 250)
        + _tag("rect", x=x - 24, y=238, width=48, height=16)
        + _tag("polygon", points=f"{x - 22},238 {x},168 {x + 22},238")
        + _tag("rect", x=x - 1.5, y=140, width=3, height=30)
        + "</g>"
        + _tag("circle", cx=x, cy=272, r=13, fill="#fff3c4", fill_opacity=0.85)
    )


def _colosseum(x: float, color: str) -> str:
    x = round(x)
    shell = f"M{x - 130},{GROUND} V{GROUND - 110} Q{x},{GROUND - 128} {x + 130},{GROUND - 92}"
    shell += f" V{GROUND} Z"
    dome = f"M{x + 150},{GROUND} V{GROUND - 120} a45,45 0 0 1 90,0 V{GROUND} Z"
    arches = "".join(
        _tag(
            "rect",
            x=x - 118 + i * 21,
            y=GROUND - 100 + row * 32,
            width=11,
            height=20,
            rx=5.5,
            fill="#fff",
            fill_opacity=0.18,
        )
        for row in range(3)
        for i in range(12)
    )
    return (
        f'<g fill="{color}">'
        + _tag("path", d=shell)
        + _tag("path", d=dome)
        + _tag("rect", x=x + 192, y=GROUND - 186, width=6, height=24)
        + "</g>"
        + arches
    )


def _golden_gate(x: float, color: str) -> str:
    x, red, deck = round(x), "#c0362c", GROUND - 40
    towers = "".join(
        _tag("rect", x=tx - 9, y=250, width=6, height=GROUND - 250, fill=red)
        + _tag("rect", x=tx + 3, y=250, width=6, height=GROUND - 250, fill=red)
        + _tag("rect", x=tx - 9, y=270, width=18, height=5, fill=red)
        + _tag("rect", x=tx - 9, y=330, width=18, height=5, fill=red)
        for tx in (x - 130, x + 130)
    )
    cables = (
        f"M-20,{deck - 10} Q{x - 200},{deck - 20} {x - 130},252 Q{x},{deck + 10} {x + 130},252 "
        f"Q{x + 200},{deck - 20} {CANVAS + 20},{deck - 10}"
    )
    return (
        towers
        + _tag("path", d=cables, fill="none", stroke=red, stroke_width=3)
        + _tag("rect", x=-20, y=deck, width=CANVAS + 40, height=8, fill=red)
    )


def _monument(x: float, color: str) -> str:
    x = round(x)
    obelisk = f"{x - 13},{GROUND} {x - 9},236 {x},216 {x + 9},236 {x + 13},{GROUND}"
    return (
        f'<g fill="{color}">'
        + _tag("polygon", points=obelisk)
        + _tag("rect", x=x + 90, y=GROUND - 60, width=150, height=60)  # the Capitol
        + _tag("rect", x=x + 140, y=GROUND - 100, width=50, height=40)
        + _tag("path", d=f"M{x + 132},{GROUND - 98} a33,40 0 0 1 66,0 Z")
        + _tag("rect", x=x + 162, y=GROUND - 158, width=6, height=24)
        + "</g>"
    )


def _arch_bridge(x: float, color: str) -> str:
    x, yellow, deck = round(x), "#f2c12e", GROUND - 30
    hangers = "".join(
        _tag("rect", x=x - 150 + i * 20, y=deck - 60, width=2, height=60, fill=yellow)
        for i in range(1, 15)
    )
    arch = f"M{x - 170},{deck} Q{x},{deck - 170} {x + 170},{deck}"
    return (
        _tag("path", d=arch, fill="none", stroke=yellow, stroke_width=8)
        + hangers
        + _tag("rect", x=x - 220, y=deck, width=440, height=8, fill=yellow)
    )


def _palms(x: float, color: str) -> str:
    trees = []
    for dx, height in ((-60, 200), (0, 250), (70, 170)):
        base, top = round(x + dx), GROUND - height
        trunk = f"M{base},{GROUND} Q{base - 10},{top + height // 2} {base + 10},{top}"
        trees.append(_tag("path", d=trunk, fill="none", stroke=color, stroke_width=8))
        trees += [
            _tag(
                "path",
                d=f"M{base + 10},{top} q{sx * 30},-20 {sx * 70},{sy}",
                fill="none",
                stroke=color,
                stroke_width=7,
                stroke_linecap="round",
            )
            for sx, sy in ((1, 20), (-1, 20), (1, 45), (-1, 45), (1, -5), (-1, -5))
        ]
    return "".join(trees)


LANDMARKS = {
    "seattle": _space_needle,
    "new-york": _empire_state,
    "london": _big_ben,
    "rome": _colosseum,
    "san-francisco": _golden_gate,
    "washington-dc": _monument,
    "pittsburgh": _arch_bridge,
    "los-angeles": _palms,
}
