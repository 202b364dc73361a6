"""`rundemo` on a new address: the photos of an earlier run load their images from it."""

from feed.models import Photo
from ingest.demo.rebase import rebase_demo_photos

OLD = "http://127.0.0.1:8000/_instagram/images"


def test_demo_photos_of_an_earlier_address_load_from_the_current_one(client, make_photo, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9000"
    demo = make_photo(
        image_url=f"{OLD}/seattle/7/640.svg",
        thumbnail_url=f"{OLD}/seattle/7/150.svg",
        avatar_url=f"{OLD}/avatars/ana.svg",
    )
    real = make_photo()  # from another source: left as it is

    assert rebase_demo_photos() == 1

    demo.refresh_from_db()
    new = "http://127.0.0.1:9000/_instagram/images"
    assert demo.image_url == f"{new}/seattle/7/640.svg"
    assert demo.thumbnail_url == f"{new}/seattle/7/150.svg"
    assert demo.avatar_url == f"{new}/avatars/ana.svg"
    assert Photo.objects.get(pk=real.pk).image_url == real.image_url
    page = client.get("/cities/seattle/").content.decode()
    assert f"{new}/seattle/7/640.svg" in page and OLD not in page
    assert rebase_demo_photos() == 0  # already there
