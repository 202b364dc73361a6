from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "ingest"
    verbose_name = "Ingest"

    def ready(self):
        from feed.signals import photo_decided, photos_approved, photos_hidden, pins_changed

        from .announcements import publish_approved, publish_decided, publish_pin
        from .retractions import publish_retractions

        photos_hidden.connect(publish_retractions, dispatch_uid="ingest.publish_retractions")
        photos_approved.connect(publish_approved, dispatch_uid="ingest.publish_approved")
        pins_changed.connect(publish_pin, dispatch_uid="ingest.publish_pin")
        photo_decided.connect(publish_decided, dispatch_uid="ingest.publish_decided")
