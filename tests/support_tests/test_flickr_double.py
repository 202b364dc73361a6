"""Holds the flickr.photos.search double to Flickr's public API documentation.

Driven over the real socket with ``requests`` (no maintained Flickr client is installed), so a
test that passes here means an adapter talking HTTP would see what Flickr documents.
"""

import json
import math
import re
import time
from xml.etree import ElementTree

import pytest
import requests

from tests.support.flickr import (
    DEFAULT_BUDDY_ICON,
    KNOWN_EXTRAS,
    FlickrApi,
    buddy_icon_url,
    haversine_km,
    image_url,
    photo_page_url,
)

TIMEOUT = 5
SEATTLE = (47.6062, -122.3321)
KEY = "test-key"
ALL_EXTRAS = ",".join(sorted(KNOWN_EXTRAS))


@pytest.fixture
def api():
    with FlickrApi(api_keys=(KEY,)) as double:
        yield double


def search(api, **params):
    """One JSON search call the way a careful client makes it."""
    query = {
        "method": "flickr.photos.search",
        "api_key": KEY,
        "format": "json",
        "nojsoncallback": "1",
        **{k: str(v) for k, v in params.items()},
    }
    response = requests.get(api.url, params=query, timeout=TIMEOUT)
    assert response.status_code == 200
    return response.json()


def radial(api, **params):
    """A geo query with a limiting min_upload_date, as the search docs require."""
    defaults = {"lat": SEATTLE[0], "lon": SEATTLE[1], "radius": 10, "min_upload_date": 0}
    return search(api, **{**defaults, **params})


def offset(km_north: float) -> tuple[float, float]:
    """A point ``km_north`` kilometres north of Seattle."""
    return SEATTLE[0] + km_north / 111.195, SEATTLE[1]


def test_url_is_loopback_rest_endpoint(api):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/services/rest/", api.url)


def test_invalid_key_is_http_200_with_stat_fail_100(api):
    response = requests.get(
        api.url,
        params={
            "method": "flickr.photos.search",
            "api_key": "nope",
            "format": "json",
            "nojsoncallback": "1",
            "lat": 1,
            "lon": 1,
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert response.json() == {
        "stat": "fail",
        "code": 100,
        "message": "Invalid API Key (Key has invalid format)",
    }
    wellformed = search(api, api_key="0" * 32, lat=1, lon=1)
    assert wellformed["code"] == 100
    assert wellformed["message"] == "Invalid API Key (Key not found)"


def test_unknown_method_is_112(api):
    body = search(api, method="flickr.photos.doesNotExist")
    assert body == {
        "stat": "fail",
        "code": 112,
        "message": 'Method "flickr.photos.doesNotExist" not found',
    }


def test_parameterless_search_is_3(api):
    body = search(api)
    assert (body["stat"], body["code"]) == ("fail", 3)
    assert body["message"] == "Parameterless searches have been disabled"


def test_json_without_nojsoncallback_is_jsonp(api):
    api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1])
    query = {
        "method": "flickr.photos.search",
        "api_key": KEY,
        "format": "json",
        "lat": SEATTLE[0],
        "lon": SEATTLE[1],
        "min_upload_date": 0,
    }
    response = requests.get(api.url, params=query, timeout=TIMEOUT)
    text = response.text
    assert text.startswith("jsonFlickrApi(") and text.endswith(")")
    assert json.loads(text[len("jsonFlickrApi(") : -1])["stat"] == "ok"
    named = requests.get(api.url, params={**query, "jsoncallback": "onPhotos"}, timeout=TIMEOUT)
    assert named.text.startswith("onPhotos(")


def test_slashes_are_escaped_on_the_wire_like_flickr(api):
    api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1])
    query = {
        "method": "flickr.photos.search",
        "api_key": KEY,
        "format": "json",
        "nojsoncallback": 1,
        "lat": SEATTLE[0],
        "lon": SEATTLE[1],
        "min_upload_date": 0,
        "extras": "url_m",
    }
    raw = requests.get(api.url, params=query, timeout=TIMEOUT).text
    assert "https:\\/\\/live.staticflickr.com\\/" in raw
    assert json.loads(raw)["photos"]["photo"][0]["url_m"].startswith("https://live.")


def test_default_format_is_rest_xml(api):
    api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1], description="hi")
    query = {
        "method": "flickr.photos.search",
        "api_key": KEY,
        "lat": SEATTLE[0],
        "lon": SEATTLE[1],
        "min_upload_date": 0,
        "extras": "description",
    }
    root = ElementTree.fromstring(requests.get(api.url, params=query, timeout=TIMEOUT).content)
    assert root.tag == "rsp" and root.get("stat") == "ok"
    photo = root.find("photos/photo")
    assert photo.get("ispublic") == "1" and photo.find("description").text == "hi"
    bad = requests.get(api.url, params={**query, "api_key": "x"}, timeout=TIMEOUT)
    err = ElementTree.fromstring(bad.content).find("err")
    assert err.get("code") == "100"


def test_radius_filters_by_great_circle_distance(api):
    near = api.add_photo(lat=offset(3)[0], lon=offset(3)[1], title="near")
    api.add_photo(lat=offset(12)[0], lon=offset(12)[1], title="far")
    body = radial(api, radius=10)
    assert [p["id"] for p in body["photos"]["photo"]] == [near["id"]]
    assert math.isclose(haversine_km(*SEATTLE, *offset(12)), 12, rel_tol=1e-3)
    miles = radial(api, radius=8, radius_units="mi")  # 12.87 km
    assert {p["title"] for p in miles["photos"]["photo"]} == {"near", "far"}


def test_radius_bounds_follow_the_docs(api):
    api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1])
    assert radial(api, radius=32)["stat"] == "ok"
    assert radial(api, radius=20, radius_units="mi")["stat"] == "ok"
    for bad in ({"radius": 33}, {"radius": 0}, {"radius": 21, "radius_units": "mi"}):
        body = radial(api, **bad)
        assert (body["stat"], body["code"]) == ("fail", 18), bad
    api.radius_out_of_range = "clamp"
    assert radial(api, radius=100)["stat"] == "ok"


def test_default_radius_is_5_km(api):
    api.add_photo(lat=offset(4)[0], lon=offset(4)[1], title="in")
    api.add_photo(lat=offset(6)[0], lon=offset(6)[1], title="out")
    body = search(api, lat=SEATTLE[0], lon=SEATTLE[1], min_upload_date=0)
    assert [p["title"] for p in body["photos"]["photo"]] == ["in"]


def test_min_upload_date_is_inclusive_and_max_too(api):
    api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1], uploaded=1_700_000_000, title="a")
    api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1], uploaded=1_700_000_100, title="b")
    api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1], uploaded=1_700_000_200, title="c")
    titles = [p["title"] for p in radial(api, min_upload_date=1_700_000_100)["photos"]["photo"]]
    assert sorted(titles) == ["b", "c"]
    body = radial(api, min_upload_date=1_700_000_000, max_upload_date=1_700_000_100)
    assert sorted(p["title"] for p in body["photos"]["photo"]) == ["a", "b"]
    mysql = radial(api, min_upload_date="2023-11-14 22:15:00")  # 1_700_000_100 in UTC
    assert sorted(p["title"] for p in mysql["photos"]["photo"]) == ["b", "c"]


def test_geo_query_without_limiting_agent_sees_only_last_12_hours(api):
    now = 1_800_000_000
    api.clock = lambda: now
    api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1], uploaded=now - 13 * 3600, title="old")
    api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1], uploaded=now - 11 * 3600, title="new")
    body = search(api, lat=SEATTLE[0], lon=SEATTLE[1])
    assert [p["title"] for p in body["photos"]["photo"]] == ["new"]
    limited = search(api, lat=SEATTLE[0], lon=SEATTLE[1], min_upload_date=0)
    assert len(limited["photos"]["photo"]) == 2


def test_sort_date_posted_and_default_distance(api):
    far_old = api.add_photo(lat=offset(4)[0], lon=offset(4)[1], uploaded=1_700_000_000)
    near_new = api.add_photo(lat=offset(1)[0], lon=offset(1)[1], uploaded=1_700_000_300)
    mid_mid = api.add_photo(lat=offset(2)[0], lon=offset(2)[1], uploaded=1_700_000_200)

    def ids(**params):
        return [p["id"] for p in radial(api, **params)["photos"]["photo"]]

    assert ids(sort="date-posted-desc") == [near_new["id"], mid_mid["id"], far_old["id"]]
    assert ids(sort="date-posted-asc") == [far_old["id"], mid_mid["id"], near_new["id"]]
    assert ids() == [near_new["id"], mid_mid["id"], far_old["id"]]  # by distance
    far_new = api.add_photo(lat=offset(4.5)[0], lon=offset(4.5)[1], uploaded=1_700_000_900)
    assert ids()[-1] == far_new["id"]
    assert ids(sort="date-posted-desc")[0] == far_new["id"]


def test_auto_upload_times_strictly_increase(api):
    first = api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1])
    second = api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1])
    assert int(second["dateupload"]) > int(first["dateupload"])
    assert int(second["id"]) > int(first["id"])
    assert abs(int(first["dateupload"]) - time.time()) < 60


def test_paging_counts_from_one(api):
    for i in range(5):
        api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1], uploaded=1_700_000_000 + i)
    first = radial(api, per_page=2, sort="date-posted-desc")["photos"]
    assert (first["page"], first["pages"], first["perpage"], first["total"]) == (1, 3, 2, 5)
    third = radial(api, per_page=2, page=3, sort="date-posted-desc")["photos"]
    assert third["page"] == 3 and len(third["photo"]) == 1
    seen = [
        p["id"] for page in (1, 2, 3) for p in radial(api, per_page=2, page=page)["photos"]["photo"]
    ]
    assert len(set(seen)) == 5
    default = radial(api)["photos"]
    assert default["perpage"] == 100 and default["page"] == 1
    assert radial(api, per_page=5000)["photos"]["perpage"] == 250  # geo queries cap at 250
    assert search(api, tags="x", per_page=5000)["photos"]["perpage"] == 500
    empty = search(api, tags="nothing-here")["photos"]
    assert (empty["total"], empty["pages"], empty["photo"]) == (0, 0, [])
    api.total_as_string = True
    assert radial(api)["photos"]["total"] == "5"


def test_only_requested_extras_are_included(api):
    api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1])
    bare = radial(api)["photos"]["photo"][0]
    assert set(bare) == {
        "id",
        "owner",
        "secret",
        "server",
        "farm",
        "title",
        "ispublic",
        "isfriend",
        "isfamily",
    }
    assert isinstance(bare["farm"], int) and isinstance(bare["server"], str)
    some = radial(api, extras="description,url_m")["photos"]["photo"][0]
    assert set(some) - set(bare) == {"description", "url_m", "height_m", "width_m"}


def test_extras_shapes_with_numbers_as_strings(api):
    photo = api.add_photo(
        lat=47.6,
        lon=-122.3,
        title="Pike Place",
        description="fish <b>market</b>",
        owner="12037949754@N01",
        owner_name="bob",
        license=4,
        uploaded=1_700_000_000,
        taken="2023-11-14 12:00:00",
        tags=("Seattle", "Pike Place"),
        sizes=("s", "m"),
        icon_server=1234,
        icon_farm=2,
    )
    listed = radial(api, lat=47.6, lon=-122.3, extras=ALL_EXTRAS)["photos"]["photo"][0]
    assert listed == photo
    assert listed["description"] == {"_content": "fish <b>market</b>"}
    assert listed["license"] == "4"
    assert listed["dateupload"] == "1700000000"
    assert listed["datetaken"] == "2023-11-14 12:00:00"
    assert listed["datetakenunknown"] == "0"
    assert listed["ownername"] == "bob"
    assert (listed["iconserver"], listed["iconfarm"]) == ("1234", 2)
    assert (listed["latitude"], listed["longitude"], listed["accuracy"]) == ("47.6", "-122.3", "16")
    assert listed["tags"] == "seattle pikeplace"
    assert isinstance(listed["place_id"], str) and isinstance(listed["woeid"], str)
    assert listed["url_s"].endswith(f"/{photo['id']}_{photo['secret']}_m.jpg")
    assert listed["url_m"].endswith(f"/{photo['id']}_{photo['secret']}.jpg")
    assert (listed["width_m"], listed["height_m"]) == ("500", "375")
    assert "url_l" not in listed and "height_l" not in listed  # small original: no large


def test_extras_shapes_with_numbers(api):
    api.add_photo(lat=47.6, lon=-122.3, numbers_as_strings=False, sizes=("s", "m", "l"))
    listed = radial(api, lat=47.6, lon=-122.3, extras=ALL_EXTRAS)["photos"]["photo"][0]
    assert (listed["latitude"], listed["longitude"], listed["accuracy"]) == (47.6, -122.3, 16)
    assert (listed["width_l"], listed["height_l"]) == (1024, 768)
    assert listed["url_l"].endswith("_b.jpg")
    assert listed["license"] == "4" and listed["dateupload"].isdigit()
    assert listed["datetakenunknown"] == "1"  # no taken date: Flickr reports the upload time


def test_url_rules(api):
    photo = api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1], owner="12037949754@N01")
    listed = radial(api, extras="url_m,icon_server")["photos"]["photo"][0]
    assert photo_page_url(listed["owner"], listed["id"]) == (
        f"https://www.flickr.com/photos/12037949754@N01/{photo['id']}"
    )
    assert listed["url_m"] == image_url(listed["server"], listed["id"], listed["secret"])
    assert image_url("7372", "12502775644", "acfd415fa7", "w") == (
        "https://live.staticflickr.com/7372/12502775644_acfd415fa7_w.jpg"
    )
    assert buddy_icon_url(listed["owner"], listed["iconserver"], listed["iconfarm"]) == (
        "https://farm2.staticflickr.com/1234/buddyicons/12037949754@N01.jpg"
    )
    api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1], owner="99@N00", icon_server=0)
    newest = radial(api, extras="icon_server", sort="date-posted-desc")["photos"]["photo"][0]
    assert (newest["iconserver"], newest["iconfarm"]) == ("0", 0)
    assert buddy_icon_url(newest["owner"], newest["iconserver"], newest["iconfarm"]) == (
        DEFAULT_BUDDY_ICON
    )


def test_fail_next_http_status_then_recovers(api):
    api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1])
    api.fail_next(2, status=502)
    query = {"method": "flickr.photos.search", "api_key": KEY, "format": "json"}
    for _ in range(2):
        assert requests.get(api.url, params=query, timeout=TIMEOUT).status_code == 502
    assert radial(api)["stat"] == "ok"


def test_fail_next_stat_is_http_200_fail(api):
    api.fail_next_stat(1)
    assert radial(api) == {
        "stat": "fail",
        "code": 105,
        "message": "Service currently unavailable",
    }
    api.fail_next_stat(
        1, code=10, message="Sorry, the Flickr search API is not currently available."
    )
    assert radial(api)["code"] == 10
    assert radial(api)["stat"] == "ok"


def test_calls_records_every_query(api):
    radial(api, extras="geo")
    search(api, api_key="bad")
    calls = api.calls
    assert len(calls) == 2
    assert calls[0]["method"] == "flickr.photos.search"
    assert calls[0]["extras"] == "geo" and calls[0]["nojsoncallback"] == "1"
    assert calls[1]["api_key"] == "bad"
    calls.clear()
    assert len(api.calls) == 2  # a copy


def test_post_form_is_accepted(api):
    api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1])
    data = {
        "method": "flickr.photos.search",
        "api_key": KEY,
        "format": "json",
        "nojsoncallback": "1",
        "lat": SEATTLE[0],
        "lon": SEATTLE[1],
        "min_upload_date": 0,
    }
    body = requests.post(api.url, data=data, timeout=TIMEOUT).json()
    assert body["photos"]["total"] == 1


def test_stop_frees_the_port():
    double = FlickrApi().start()
    url = double.url
    double.stop()
    double.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=1)
