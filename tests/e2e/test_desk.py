"""The moderation desk in Chromium: the queue fills live, keys decide, public pages follow."""

import pytest

from .test_city_page import open_live, post, tile

pytestmark = pytest.mark.browser

CITY = "pittsburgh"  # pre-moderated here, so the other browser tests keep their cities
MODERATOR, PASSWORD = "desk-moderator", "pw-desk-moderator-1"
WITHIN = 2_000  # ms: decisions reach open pages within 2 s


@pytest.fixture(scope="module")
def moderator(live_site):
    live_site.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import Group, User\n"
        "from feed.models import City\n"
        f"City.objects.filter(slug={CITY!r}).update(moderation='pre')\n"
        f"if not User.objects.filter(username={MODERATOR!r}).exists():\n"
        f"    user = User.objects.create_user({MODERATOR!r}, password={PASSWORD!r})\n"
        "    user.is_staff = True\n"
        "    user.save()\n"
        "    user.groups.add(Group.objects.get(name='Moderators'))\n",
    )
    return MODERATOR


@pytest.fixture
def desk(live_site, browser, moderator):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(f"{live_site.url}/admin/login/?next=/moderate/{CITY}/")
    page.fill("#id_username", moderator)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector('.status[data-state="live"]', timeout=10_000)
    yield page
    context.close()


def item(message, where="queue"):
    return f'#{where} .desk-item[data-id="{message["id"]}"]'


def test_a_photo_waits_on_the_desk_and_each_key_reaches_the_public_page(
    live_site, page, desk, tmp_path
):
    open_live(page, f"{live_site.url}/cities/{CITY}/")
    message = post(live_site, CITY, caption="waiting for a moderator")

    desk.wait_for_selector(item(message), timeout=WITHIN)
    assert "pre-moderation" in desk.locator(item(message)).text_content()
    assert page.locator(tile(message)).count() == 0  # not on the wall before approval
    desk.screenshot(path=str(tmp_path / "moderation-desk.png"))

    desk.click(item(message))
    desk.keyboard.press("a")
    page.wait_for_selector(tile(message), timeout=WITHIN)
    desk.wait_for_selector(item(message), state="detached", timeout=WITHIN)

    older = post(live_site, CITY, caption="an older one")
    desk.click(item(older), timeout=WITHIN)
    desk.keyboard.press("a")
    page.wait_for_selector(tile(older), timeout=WITHIN)
    desk.click(item(message, "shown"), timeout=WITHIN)
    desk.keyboard.press("p")
    page.wait_for_selector(f"{tile(message)}.is-pinned", timeout=WITHIN)
    assert page.locator("#grid .tile").first.get_attribute("data-id") == message["id"]
    open_live(page, f"{live_site.url}/cities/{CITY}/")  # a reload keeps it first
    assert page.locator("#grid .tile").first.get_attribute("data-id") == message["id"]
    assert "is-pinned" in page.locator("#grid .tile").first.get_attribute("class")

    desk.click(item(message, "shown"))
    desk.keyboard.press("r")
    page.wait_for_selector(tile(message), state="detached", timeout=WITHIN)
    assert desk.errors == [] and page.errors == []


def test_space_selects_several_and_one_key_decides_them_all(live_site, page, desk):
    open_live(page, f"{live_site.url}/cities/{CITY}/")
    first = post(live_site, CITY, caption="first of two")
    second = post(live_site, CITY, caption="second of two")
    desk.wait_for_selector(item(second), timeout=WITHIN)

    for message in (first, second):
        desk.click(item(message))
        desk.keyboard.press(" ")
    desk.keyboard.press("a")

    for message in (first, second):
        page.wait_for_selector(tile(message), timeout=WITHIN)
    desk.keyboard.press("u")  # the last decision taken back: one of them leaves the wall
    page.wait_for_function(
        "ids => ids.filter(id => document.querySelector(`#grid [data-id='${id}']`)).length === 1",
        arg=[first["id"], second["id"]],
        timeout=WITHIN,
    )


def test_an_anonymous_visitor_gets_no_desk_and_no_staff_websocket(live_site, page):
    page.goto(f"{live_site.url}/moderate/")
    assert "/admin/login/" in page.url
    code = page.evaluate(
        """path => new Promise(resolve => {
            const socket = new WebSocket(`ws://${location.host}${path}`);
            socket.onclose = event => resolve(event.code);
        })""",
        f"/ws/moderate/{CITY}/",
    )
    assert code == 4403
