"""Old photos leave the database; recent ones stay on the page."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from feed.models import Photo


def _age(photo, days):
    Photo.objects.filter(pk=photo.pk).update(stored_at=timezone.now() - timedelta(days=days))


@pytest.mark.django_db
def test_prune_deletes_photos_past_the_retention_in_batches(make_photo, client, capsys):
    old = [make_photo("seattle", media_id=f"old-{n}") for n in range(7)]
    for photo in old:
        _age(photo, 31)
    recent = make_photo("seattle", media_id="recent")
    _age(recent, 29)
    pinned = make_photo("seattle", media_id="pinned", pinned_at=timezone.now())
    _age(pinned, 90)
    call_command("prune", "--days", "30")
    assert "deleted 7 photos older than 30 days" in capsys.readouterr().out
    assert sorted(Photo.objects.values_list("media_id", flat=True)) == ["pinned", "recent"]
    shown = client.get("/cities/seattle/photos.json").json()["photos"]
    assert [photo["id"] for photo in shown] == ["recent", "pinned"]  # pinned last: shown first


@pytest.mark.django_db
def test_prune_with_zero_days_keeps_everything(make_photo, capsys):
    _age(make_photo("seattle", media_id="ancient"), 3650)
    call_command("prune", "--days", "0")
    assert "retention off" in capsys.readouterr().out
    assert Photo.objects.filter(media_id="ancient").exists()


@pytest.mark.django_db
def test_prune_works_through_more_than_one_batch(make_photo):
    from feed.retention import prune

    for n in range(5):
        _age(make_photo("seattle", media_id=f"old-{n}"), 40)
    assert prune(30, batch=2) == 5
    assert not Photo.objects.exists()
