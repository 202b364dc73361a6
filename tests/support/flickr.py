"""A test double of Flickr's REST method flickr.photos.search on a real loopback HTTP server.

Written from Flickr's public API documentation, not from any client in this project:

- flickr.com/services/api/flickr.photos.search.html (arguments, error codes, the 12-hour
  rule for geo queries without a limiting agent, radius 0 < r <= 32 km / 20 mi, default
  sort by distance for radial queries, per_page 100 by default and 500 at most, 250 for
  geo queries, pages from 1);
- flickr.com/services/api/response.json.html (format=json answers JSONP
  ``jsonFlickrApi(...)`` unless nojsoncallback=1; ``jsoncallback`` renames the function;
  text nodes become ``{"_content": ...}``; failures are HTTP 200 with
  ``{"stat": "fail", "code": N, "message": "..."}``);
- flickr.com/services/api/response.rest.html (the default XML format, ``<rsp stat=..>``);
- flickr.com/services/api/misc.urls.html (photo page and live.staticflickr.com image URLs,
  size suffixes);
- flickr.com/services/api/misc.buddyicons.html (buddy icon URL, default icon when the icon
  server is 0);
- flickr.com/services/api/misc.api_keys.html and flickr.photos.licenses.getInfo (key check,
  license ids).

Where the documentation is silent the double follows answers seen in public client code:
attribute values are strings except ``farm``, ``iconfarm``, ``ispublic``/``isfriend``/
``isfamily`` and the paging numbers; geo and size numbers come as numbers in newer answers
and as strings in older ones (``numbers_as_strings``); ``total`` was a string in older
answers (``total_as_string``); slashes are escaped (``https:\\/\\/``) as PHP's encoder does.
The search documentation names no error for a bad radius or coordinate: the double answers
18 "Illogical arguments" there (``radius_out_of_range = "clamp"`` clamps instead).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from collections import deque
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree

SEARCH_METHOD = "flickr.photos.search"
STATIC_HOST = "https://live.staticflickr.com"
DEFAULT_BUDDY_ICON = "https://www.flickr.com/images/buddyicon.gif"
EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344
MAX_RADIUS_KM = 32.0
MAX_RADIUS_MI = 20.0
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 500
MAX_GEO_PER_PAGE = 250
UNLIMITED_GEO_WINDOW = 12 * 3600

# extras name -> (URL suffix, longest edge in px, square crop); misc.urls.html's table.
SIZES = {
    "sq": ("s", 75, True),
    "q": ("q", 150, True),
    "t": ("t", 100, False),
    "s": ("m", 240, False),
    "n": ("n", 320, False),
    "w": ("w", 400, False),
    "m": ("", 500, False),
    "z": ("z", 640, False),
    "c": ("c", 800, False),
    "l": ("b", 1024, False),
    "h": ("h", 1600, False),
    "k": ("k", 2048, False),
    "o": ("o", 4000, False),
}
# Sizes from H up, and the original, carry a secret of their own (misc.urls.html).
OWN_SECRET_SIZES = {"h", "k", "o"}

KNOWN_EXTRAS = {
    "description",
    "license",
    "date_upload",
    "date_taken",
    "owner_name",
    "icon_server",
    "original_format",
    "last_update",
    "geo",
    "tags",
    "machine_tags",
    "o_dims",
    "views",
    "media",
    "path_alias",
} | {f"url_{size}" for size in SIZES}

# Arguments that count as a search at all (error 3 otherwise) ...
SEARCH_ARGUMENTS = {
    "user_id",
    "tags",
    "text",
    "min_upload_date",
    "max_upload_date",
    "min_taken_date",
    "max_taken_date",
    "license",
    "bbox",
    "lat",
    "lon",
    "woe_id",
    "place_id",
    "has_geo",
    "machine_tags",
    "group_id",
    "contacts",
    "is_commons",
    "in_gallery",
    "is_getty",
}
# ... and those the docs call a "limiting agent" for geo queries.
LIMITING_ARGUMENTS = {
    "user_id",
    "tags",
    "text",
    "min_upload_date",
    "max_upload_date",
    "min_taken_date",
    "max_taken_date",
    "machine_tags",
    "group_id",
}
GEO_ARGUMENTS = {"bbox", "lat", "lon", "woe_id", "place_id", "has_geo"}
SORTS = {
    "date-posted-asc",
    "date-posted-desc",
    "date-taken-asc",
    "date-taken-desc",
    "interestingness-desc",
    "interestingness-asc",
    "relevance",
}
_API_KEY_FORMAT = re.compile(r"^[0-9a-f]{32}$")


class FlickrError(Exception):
    """A documented ``stat: fail`` answer, carried up to the handler."""

    def __init__(self, code: int, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance, which is what a radial query measures."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def photo_page_url(owner: str, photo_id: str) -> str:
    """misc.urls.html: the NSID form of the photo page always works."""
    return f"https://www.flickr.com/photos/{owner}/{photo_id}"


def image_url(server: str, photo_id: str, secret: str, suffix: str = "", ext: str = "jpg") -> str:
    """misc.urls.html: the 500 px size has no suffix, every other size has ``_<suffix>``."""
    tail = f"_{suffix}" if suffix else ""
    return f"{STATIC_HOST}/{server}/{photo_id}_{secret}{tail}.{ext}"


def buddy_icon_url(nsid: str, iconserver, iconfarm) -> str:
    """misc.buddyicons.html: the farm URL when the icon server is above zero, else the default."""
    try:
        server = int(iconserver or 0)
    except (TypeError, ValueError):
        server = 0
    if server > 0:
        return f"https://farm{iconfarm}.staticflickr.com/{server}/buddyicons/{nsid}.jpg"
    return DEFAULT_BUDDY_ICON


def normalize_tag(tag: str) -> str:
    """Flickr lists the "clean" tag form: lower case, letters and digits only."""
    return "".join(ch for ch in tag.lower() if ch.isalnum())


def _parse_date(value: str, name: str) -> float:
    """Dates may be unix timestamps or MySQL datetimes (search docs, min/max_*_date)."""
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC).timestamp()
        except ValueError:
            continue
    raise FlickrError(18, "Illogical arguments")


def _mysql_datetime(unix: float) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _int_arg(params: dict, name: str, default: int) -> int:
    try:
        return int(params[name])
    except (KeyError, ValueError):
        return default


class FlickrApi:
    """Serves ``/services/rest/`` for flickr.photos.search against photos added by the test.

    Behaviour switches a test may flip: ``total_as_string`` (older answers), ``radius_out_of_range``
    ("fail" or "clamp"), and ``clock`` (a callable returning unix seconds; drives the 12-hour rule
    and default upload times).
    """

    def __init__(self, api_keys=("test-key",)):
        self.api_keys = set(api_keys)
        self.total_as_string = False
        self.radius_out_of_range = "fail"
        self.clock = time.time
        self._lock = threading.Lock()
        self._photos: list[dict] = []
        self._calls: list[dict] = []
        self._failures: deque = deque()
        self._next_id = 53_000_000_001
        self._last_auto_upload = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FlickrApi:
        """Bind an ephemeral loopback port and serve from a daemon thread."""
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FlickrApi:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FlickrApi is not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/services/rest/"

    # -- test controls -----------------------------------------------------------------------

    @property
    def calls(self) -> list[dict]:
        """The query (or form) dict of every request, oldest first; a copy."""
        with self._lock:
            return [dict(call) for call in self._calls]

    def fail_next(self, n: int = 1, status: int = 503) -> None:
        """Answer the next ``n`` requests with a bare HTTP error, as a proxy or outage would."""
        with self._lock:
            self._failures.extend(("http", status, None) for _ in range(n))

    def fail_next_stat(
        self, n: int = 1, code: int = 105, message: str = "Service currently unavailable"
    ) -> None:
        """Answer the next ``n`` requests with HTTP 200 and ``stat: fail``, as Flickr does."""
        with self._lock:
            self._failures.extend(("stat", code, message) for _ in range(n))

    def add_photo(
        self,
        *,
        lat: float,
        lon: float,
        title: str = "A photo",
        description: str = "",
        owner: str = "12345678@N00",
        owner_name: str = "alice",
        license: int = 4,
        uploaded: int | None = None,
        taken=None,
        tags=(),
        sizes=("s", "m", "l"),
        icon_server: int = 1234,
        icon_farm: int = 2,
        numbers_as_strings: bool = True,
        accuracy: int = 16,
        views: int = 0,
    ) -> dict:
        """Store a public geotagged photo; return it as the search lists it with every extra.

        ``uploaded`` is unix seconds (default: now, strictly increasing across calls); ``taken``
        is unix seconds, a MySQL datetime string or None (unknown: Flickr then reports the
        upload time with ``datetakenunknown`` 1). ``sizes`` names the ``url_<size>`` extras
        that exist; leave out "l" for small originals.
        """
        unknown = set(sizes) - set(SIZES)
        if unknown:
            raise ValueError(f"unknown sizes {sorted(unknown)}; known: {sorted(SIZES)}")
        with self._lock:
            photo_id = str(self._next_id)
            self._next_id += 1
            if uploaded is None:
                uploaded = max(int(self.clock()), self._last_auto_upload + 1)
                self._last_auto_upload = uploaded
            if taken is None:
                taken_unix, taken_unknown = float(uploaded), 1
            elif isinstance(taken, str):
                taken_unix, taken_unknown = _parse_date(taken, "taken"), 0
            else:
                taken_unix, taken_unknown = float(taken), 0
            digest = hashlib.sha1(photo_id.encode()).hexdigest()
            index = int(photo_id) % 1000
            record = {
                "id": photo_id,
                "owner": owner,
                "secret": digest[:10],
                "originalsecret": digest[10:20],
                "size_secrets": {s: digest[20 + i * 6 : 30 + i * 6] for i, s in enumerate("hk")},
                "server": str(65000 + index % 535),
                "farm": 66,
                "title": title,
                "description": description,
                "ownername": owner_name,
                "license": int(license),
                "dateupload": int(uploaded),
                "lastupdate": int(uploaded),
                "datetaken": taken_unix,
                "datetakenunknown": taken_unknown,
                "tags": [t for t in (normalize_tag(tag) for tag in tags) if t],
                "sizes": tuple(sizes),
                "iconserver": int(icon_server),
                "iconfarm": int(icon_farm) if int(icon_server) > 0 else 0,
                "latitude": round(float(lat), 6),
                "longitude": round(float(lon), 6),
                "accuracy": int(accuracy),
                "place_id": f"pl{digest[30:40]}",
                "woeid": str(2_400_000 + index),
                "views": int(views),
                "numbers_as_strings": bool(numbers_as_strings),
            }
            self._photos.append(record)
        return _render(record, KNOWN_EXTRAS)

    def photos(self) -> list[dict]:
        """Every stored photo as the search would list it with all extras, in upload order."""
        with self._lock:
            records = list(self._photos)
        return [_render(r, KNOWN_EXTRAS) for r in records]

    # -- the method --------------------------------------------------------------------------

    def _answer(self, params: dict) -> tuple[int, str, bytes]:
        """Check key, method and arguments, then search; returns status, type and body."""
        with self._lock:
            self._calls.append(dict(params))
            failure = self._failures.popleft() if self._failures else None
        if failure is not None and failure[0] == "http":
            status = failure[1]
            body = f"<html><body><h1>{status}</h1>Flickr is having a massage.</body></html>"
            return status, "text/html; charset=utf-8", body.encode()
        fmt = params.get("format", "rest")
        try:
            if fmt not in ("json", "rest"):
                raise FlickrError(111, f'Format "{fmt}" not found')
            if failure is not None:
                raise FlickrError(failure[1], failure[2])
            key = params.get("api_key", "")
            if key not in self.api_keys:
                reason = "Key not found" if _API_KEY_FORMAT.match(key) else "Key has invalid format"
                raise FlickrError(100, f"Invalid API Key ({reason})")
            method = params.get("method", "")
            if method != SEARCH_METHOD:
                raise FlickrError(112, f'Method "{method}" not found')
            payload = {"photos": self._search(params), "stat": "ok"}
        except FlickrError as error:
            payload = {"stat": "fail", "code": error.code, "message": error.message}
        return _serialize(payload, params, fmt)

    def _search(self, params: dict) -> dict:
        present = {k for k, v in params.items() if k in SEARCH_ARGUMENTS and v != ""}
        if not present:
            raise FlickrError(3, "Parameterless searches have been disabled")
        with self._lock:
            records = list(self._photos)

        centre = None
        if "lat" in present or "lon" in present:
            centre, radius_km = self._radial(params)
            records = [
                r
                for r in records
                if haversine_km(centre[0], centre[1], r["latitude"], r["longitude"]) <= radius_km
            ]
        if "bbox" in present:
            records = _in_bbox(records, params["bbox"])
        if present & GEO_ARGUMENTS and not present & LIMITING_ARGUMENTS:
            since = self.clock() - UNLIMITED_GEO_WINDOW
            records = [r for r in records if r["dateupload"] >= since]
        records = _filter(records, params)

        sort = params.get("sort", "")
        if sort not in SORTS:
            sort = "distance" if centre is not None else "date-posted-desc"
        records = _sorted(records, sort, centre)

        per_page = _int_arg(params, "per_page", DEFAULT_PER_PAGE)
        if per_page < 1:
            per_page = DEFAULT_PER_PAGE
        per_page = min(per_page, MAX_GEO_PER_PAGE if present & GEO_ARGUMENTS else MAX_PER_PAGE)
        page = max(1, _int_arg(params, "page", 1))
        total = len(records)
        pages = math.ceil(total / per_page)
        chunk = records[(page - 1) * per_page : page * per_page]
        extras = {e.strip() for e in params.get("extras", "").split(",") if e.strip()}
        return {
            "page": page,
            "pages": pages,
            "perpage": per_page,
            "total": str(total) if self.total_as_string else total,
            "photo": [_render(r, extras) for r in chunk],
        }

    def _radial(self, params: dict) -> tuple[tuple[float, float], float]:
        """lat+lon+radius; the docs bound radius to (0, 32 km] or (0, 20 mi], default 5 km."""
        try:
            lat, lon = float(params["lat"]), float(params["lon"])
        except (KeyError, ValueError):
            raise FlickrError(18, "Illogical arguments") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise FlickrError(18, "Illogical arguments")
        units = params.get("radius_units", "km") or "km"
        if units not in ("km", "mi"):
            raise FlickrError(18, "Illogical arguments")
        try:
            radius = float(params.get("radius") or 5)
        except ValueError:
            raise FlickrError(18, "Illogical arguments") from None
        limit = MAX_RADIUS_MI if units == "mi" else MAX_RADIUS_KM
        if not 0 < radius <= limit:
            if self.radius_out_of_range != "clamp" or radius <= 0:
                raise FlickrError(18, "Illogical arguments")
            radius = limit
        return (lat, lon), radius * (KM_PER_MILE if units == "mi" else 1)


def _in_bbox(records: list[dict], bbox: str) -> list[dict]:
    try:
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox.split(","))
    except ValueError:
        raise FlickrError(18, "Illogical arguments") from None
    return [
        r
        for r in records
        if min_lat <= r["latitude"] <= max_lat and min_lon <= r["longitude"] <= max_lon
    ]


def _filter(records: list[dict], params: dict) -> list[dict]:
    """The non-geo filters: dates (inclusive both ends), owner, license, tags, text."""
    bounds = {
        "min_upload_date": ("dateupload", 1),
        "max_upload_date": ("dateupload", -1),
        "min_taken_date": ("datetaken", 1),
        "max_taken_date": ("datetaken", -1),
    }
    for name, (field, sign) in bounds.items():
        if params.get(name):
            limit = _parse_date(params[name], name)
            records = [r for r in records if sign * (r[field] - limit) >= 0]
    if params.get("user_id"):
        records = [r for r in records if r["owner"] == params["user_id"]]
    if params.get("license"):
        wanted = {v.strip() for v in params["license"].split(",")}
        records = [r for r in records if str(r["license"]) in wanted]
    if params.get("tags"):
        wanted = [t.strip() for t in params["tags"].split(",") if t.strip()]
        include = {normalize_tag(t) for t in wanted if not t.startswith("-")}
        exclude = {normalize_tag(t[1:]) for t in wanted if t.startswith("-")}
        match_all = params.get("tag_mode") == "all"

        def keep(r):
            have = set(r["tags"])
            if have & exclude:
                return False
            if not include:
                return True
            return include <= have if match_all else bool(include & have)

        records = [r for r in records if keep(r)]
    if params.get("text"):
        needle = params["text"].lower()
        records = [
            r
            for r in records
            if needle in r["title"].lower()
            or needle in r["description"].lower()
            or normalize_tag(needle) in r["tags"]
        ]
    return records


def _sorted(records: list[dict], sort: str, centre) -> list[dict]:
    if sort == "distance":
        return sorted(
            records,
            key=lambda r: (haversine_km(*centre, r["latitude"], r["longitude"]), -int(r["id"])),
        )
    field = {"date-posted": "dateupload", "date-taken": "datetaken"}.get(
        sort.rsplit("-", 1)[0], "views"
    )
    descending = not sort.endswith("-asc")
    return sorted(records, key=lambda r: (r[field], int(r["id"])), reverse=descending)


def _render(record: dict, extras: set[str]) -> dict:
    """One ``photo`` element as JSON, with only the requested extras."""
    as_str = record["numbers_as_strings"]

    def num(value):
        return str(value) if as_str else value

    photo = {
        "id": record["id"],
        "owner": record["owner"],
        "secret": record["secret"],
        "server": record["server"],
        "farm": record["farm"],
        "title": record["title"],
        "ispublic": 1,
        "isfriend": 0,
        "isfamily": 0,
    }
    if "license" in extras:
        photo["license"] = str(record["license"])
    if "description" in extras:
        photo["description"] = {"_content": record["description"]}
    if "original_format" in extras and "o" in record["sizes"]:
        photo["originalsecret"] = record["originalsecret"]
        photo["originalformat"] = "jpg"
    if "o_dims" in extras and "o" in record["sizes"]:
        width, height = _dims("o")
        photo["o_width"], photo["o_height"] = str(width), str(height)
    if "date_upload" in extras:
        photo["dateupload"] = str(record["dateupload"])
    if "last_update" in extras:
        photo["lastupdate"] = str(record["lastupdate"])
    if "date_taken" in extras:
        photo["datetaken"] = _mysql_datetime(record["datetaken"])
        photo["datetakengranularity"] = num(0)
        photo["datetakenunknown"] = str(record["datetakenunknown"])
    if "owner_name" in extras:
        photo["ownername"] = record["ownername"]
    if "icon_server" in extras:
        photo["iconserver"] = str(record["iconserver"])
        photo["iconfarm"] = record["iconfarm"]
    if "views" in extras:
        photo["views"] = str(record["views"])
    if "tags" in extras:
        photo["tags"] = " ".join(record["tags"])
    if "machine_tags" in extras:
        photo["machine_tags"] = ""
    if "geo" in extras:
        photo["latitude"] = num(record["latitude"])
        photo["longitude"] = num(record["longitude"])
        photo["accuracy"] = num(record["accuracy"])
        photo["context"] = num(0)
        photo["place_id"] = record["place_id"]
        photo["woeid"] = record["woeid"]
        photo["geo_is_public"] = 1
        photo["geo_is_contact"] = 0
        photo["geo_is_friend"] = 0
        photo["geo_is_family"] = 0
    if "media" in extras:
        photo["media"] = "photo"
        photo["media_status"] = "ready"
    if "path_alias" in extras:
        photo["pathalias"] = None
    for size in SIZES:
        if f"url_{size}" not in extras or size not in record["sizes"]:
            continue
        suffix = SIZES[size][0]
        if size == "o":
            secret = record["originalsecret"]
        else:
            secret = record["size_secrets"].get(size, record["secret"])
        width, height = _dims(size)
        photo[f"url_{size}"] = image_url(record["server"], record["id"], secret, suffix)
        photo[f"height_{size}"] = num(height)
        photo[f"width_{size}"] = num(width)
    return photo


def _dims(size: str) -> tuple[int, int]:
    """Landscape 4:3 originals; squares are cropped."""
    _suffix, edge, square = SIZES[size]
    return (edge, edge) if square else (edge, edge * 3 // 4)


def _serialize(payload: dict, params: dict, fmt: str) -> tuple[int, str, bytes]:
    if fmt == "rest":
        return 200, "text/xml; charset=utf-8", _to_xml(payload)
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/")
    if params.get("nojsoncallback") == "1":
        return 200, "application/json; charset=utf-8", text.encode()
    callback = params.get("jsoncallback") or "jsonFlickrApi"
    if not re.fullmatch(r"[A-Za-z_$][\w$.]*", callback):
        callback = "jsonFlickrApi"
    return 200, "text/javascript; charset=utf-8", f"{callback}({text})".encode()


def _to_xml(payload: dict) -> bytes:
    """response.rest.html: ``<rsp stat>``; failures as ``<err code msg/>``."""
    rsp = ElementTree.Element("rsp", stat=payload["stat"])
    if payload["stat"] == "fail":
        ElementTree.SubElement(rsp, "err", code=str(payload["code"]), msg=payload["message"])
    else:
        _xml_element(rsp, "photos", payload["photos"])
    return b'<?xml version="1.0" encoding="utf-8" ?>\n' + ElementTree.tostring(rsp)


def _xml_element(parent, name: str, value: dict) -> None:
    """The inverse of response.json.html's rules: scalars are attributes, dicts children."""
    element = ElementTree.SubElement(parent, name)
    for key, item in value.items():
        if isinstance(item, list):
            for child in item:
                _xml_element(element, key, child)
        elif isinstance(item, dict):
            child = ElementTree.SubElement(element, key)
            child.text = item.get("_content", "")
        elif key == "_content":
            element.text = str(item)
        elif item is not None:
            element.set(key, str(item))


def _handler_for(api: FlickrApi):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FlickrApiDouble/1.0"

        def log_message(self, *args) -> None:
            """Quiet: pytest output is for failures."""

        def do_GET(self) -> None:
            self._dispatch(urlsplit(self.path).query)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
            query = urlsplit(self.path).query
            self._dispatch("&".join(part for part in (query, body) if part))

        def _dispatch(self, query: str) -> None:
            if urlsplit(self.path).path.rstrip("/") != "/services/rest":
                self._send(404, "text/html; charset=utf-8", b"<html><body>Not found</body></html>")
                return
            params = dict(parse_qsl(query, keep_blank_values=True))
            self._send(*api._answer(params))

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
