"""The embed in Chromium: framed live by an allowed origin's page, refused by another's."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.live import LiveSite

from .test_city_page import post

pytestmark = pytest.mark.browser


class HostPage:
    """Someone else's website on its own origin, with our embed in an iframe."""

    def __init__(self):
        self.src = ""
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = (
                    "<!doctype html><title>Blog</title>"
                    f'<iframe src="{page.src}" width="600" height="400"></iframe>'
                )
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def hosts():
    allowed, other = HostPage(), HostPage()
    yield allowed, other
    allowed.close()
    other.close()


@pytest.fixture(scope="module")
def embedding_site(tmp_path_factory, redis_url, hosts):
    allowed, other = hosts
    site = LiveSite(
        tmp_path_factory.mktemp("embed-site"), redis_url, EMBED_ALLOWED_ORIGINS=allowed.origin
    )
    site.prepare()
    site.start()
    allowed.src = other.src = f"{site.url}/cities/seattle/embed/"
    yield site
    site.close()


def test_an_allowed_origin_frames_the_live_grid(embedding_site, hosts, page):
    allowed, _ = hosts
    page.goto(allowed.origin)
    frame = page.frame_locator("iframe")
    frame.locator('.status[data-state="live"]').wait_for(timeout=10_000)

    message = post(embedding_site, caption="seen on a blog")

    frame.locator(f'#grid .tile[data-id="{message["id"]}"]').wait_for(timeout=2_000)


def test_another_origin_is_refused(embedding_site, hosts, page):
    _, other = hosts
    page.goto(other.origin)
    page.wait_for_load_state("load")  # the host page's load waits for its frame
    (framed,) = [frame for frame in page.frames if frame is not page.main_frame]
    assert framed.url.startswith("chrome-error://") or not framed.query_selector("#grid")
