"""A moderator hides a photo in the real admin; it leaves every open page."""

import pytest

from .test_city_page import open_live, post, tile

pytestmark = pytest.mark.browser

MODERATOR, PASSWORD = "moderator", "pw-moderator-1"


@pytest.fixture(scope="module")
def moderator(live_site):
    live_site.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User\n"
        f"User.objects.filter(username={MODERATOR!r}).exists() or "
        f"User.objects.create_superuser({MODERATOR!r}, password={PASSWORD!r})",
    )
    return MODERATOR


def test_hiding_a_photo_in_the_admin_removes_it_from_open_pages_within_2_s(
    live_site, browser, page, moderator
):
    open_live(page, f"{live_site.url}/cities/seattle/")
    everything = page.context.new_page()
    open_live(everything, f"{live_site.url}/")
    message = post(live_site, caption="hide me")
    page.wait_for_selector(tile(message), timeout=2_000)
    everything.wait_for_selector(tile(message), timeout=2_000)

    admin = browser.new_context().new_page()
    admin.goto(f"{live_site.url}/admin/login/?next=/admin/feed/photo/%3Fq%3D{message['id']}")
    admin.fill("#id_username", moderator)
    admin.fill("#id_password", PASSWORD)
    admin.click("input[type=submit]")
    admin.check("#result_list input[name=_selected_action]", timeout=10_000)
    admin.select_option("select[name=action]", "hide")
    admin.click("button[name=index]")
    admin.wait_for_selector(".messagelist .success", timeout=10_000)

    page.wait_for_selector(tile(message), state="detached", timeout=2_000)
    everything.wait_for_selector(tile(message), state="detached", timeout=2_000)
    assert "Hid 1 photo(s)." in admin.locator(".messagelist").text_content()
    admin.context.close()
