"""A city's numbers: photos per hour as a server-drawn chart, the day's top authors and tags."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feed.models import Photo


def _stored(photo, hours_ago):
    Photo.objects.filter(pk=photo.pk).update(stored_at=timezone.now() - timedelta(hours=hours_ago))


@pytest.mark.django_db
def test_the_city_page_draws_photos_per_hour_and_the_days_top_lists(client, make_photo):
    for _ in range(3):
        make_photo("seattle", username="ann", caption="Ferry #Seattle #fog")
    make_photo("seattle", username="bob", caption="#seattle at night")
    _stored(make_photo("seattle", username="old", caption="#yesterday"), 30)
    make_photo("seattle", username="hidden", caption="#secret", hidden=True)
    make_photo("london", username="elsewhere", caption="#london")

    page = client.get("/cities/seattle/").content.decode()

    assert page.count("<rect ") == 24  # one bar per hour
    assert "4 photos, per hour since" in page and "4 photos</title>" in page
    contributors = page.split('class="numbers-contributors"')[1].split("</ol>")[0]
    assert contributors.index("ann") < contributors.index("bob")
    assert "old" not in contributors and "hidden" not in contributors
    hashtags = page.split('class="numbers-hashtags"')[1].split("</ol>")[0]
    assert "#seattle <span>4</span>" in hashtags and "#fog <span>3</span>" in hashtags
    assert "#secret" not in hashtags and "#london" not in hashtags


@pytest.mark.django_db
def test_the_numbers_come_alone_for_the_page_to_reload_and_user_text_stays_text(client, make_photo):
    make_photo("seattle", username="<script>x</script>", caption="#tag<b>")
    fragment = client.get("/cities/seattle/numbers/").content.decode()
    assert fragment.startswith('<section class="numbers"')
    assert "<script>x</script>" not in fragment and "&lt;script&gt;" in fragment
    assert client.get("/cities/atlantis/numbers/").status_code == 404
