"""The map in Chromium: pins drop in live, offline needs no tile, a tile server's tiles load."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.live import LiveSite

from .test_city_page import pictures

pytestmark = pytest.mark.browser

# A 1x1 PNG: what the local tile server answers for every tile.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e9fa"
    "8e2f0000000049454e44ae426082"
)


class TileServer:
    def __init__(self):
        self.requests = []
        tiles = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                tiles.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(PNG)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def tiles():
    server = TileServer()
    yield server
    server.close()


def site_with(tmp_path_factory, redis_url, tile_url):
    site = LiveSite(tmp_path_factory.mktemp("map-site"), redis_url, MAP_TILE_URL=tile_url)
    site.prepare()
    site.start()
    return site


@pytest.fixture(scope="module")
def offline_site(tmp_path_factory, redis_url):
    site = site_with(tmp_path_factory, redis_url, "")
    yield site
    site.close()


@pytest.fixture(scope="module")
def tiled_site(tmp_path_factory, redis_url, tiles):
    site = site_with(tmp_path_factory, redis_url, f"{tiles.url}/{{z}}/{{x}}/{{y}}.png")
    yield site
    site.close()


def open_map(page, site):
    page.goto(f"{site.url}/cities/seattle/map/")
    page.wait_for_selector('.status[data-state="live"]', timeout=10_000)


def placed(site, caption):
    location = {"latitude": 47.61, "longitude": -122.34, "name": "Pike Place", "id": "1"}
    author = {"id": "7", "username": "someone", "full_name": "Some One"}
    return site.post_photo(
        "seattle",
        images=pictures(site),
        location=location,
        caption={"text": caption, "from": author, "id": "1", "created_time": "0"},
    )


def test_offline_a_poked_photo_becomes_a_pin_within_2_s_without_any_tile(offline_site, page):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    open_map(page, offline_site)

    message = placed(offline_site, "on the map")
    unplaced = offline_site.post_photo("seattle", images=pictures(offline_site), location=None)

    page.wait_for_selector(f'.map-pin[data-id="{message["id"]}"]', timeout=2_000)
    page.wait_for_selector(f'#unplaced [data-id="{unplaced["id"]}"]', timeout=2_000)
    page.focus(f'.map-pin[data-id="{message["id"]}"]')
    page.wait_for_selector(".leaflet-tooltip .map-preview", timeout=2_000)
    assert "on the map" in page.locator(".leaflet-tooltip").text_content()
    assert page.locator(".leaflet-tile").count() == 0
    assert all(url.startswith(offline_site.url) for url in requests), requests
    assert page.errors == []


def test_with_a_tile_server_its_tiles_load(tiled_site, tiles, page):
    open_map(page, tiled_site)
    page.wait_for_selector(".leaflet-tile-loaded", timeout=10_000)
    assert tiles.requests and all(path.endswith(".png") for path in tiles.requests)
    assert page.errors == []


def test_show_on_map_leads_from_the_detail_view_to_the_pin(offline_site, page):
    message = placed(offline_site, "find me")
    page.goto(f"{offline_site.url}/cities/seattle/#photo-{message['id']}/map")
    page.wait_for_url(f"**/cities/seattle/map/#photo-{message['id']}", timeout=10_000)
    page.wait_for_selector(".leaflet-tooltip .map-preview", timeout=5_000)
    assert "find me" in page.locator(".leaflet-tooltip").text_content()
