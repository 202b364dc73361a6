from django.apps import AppConfig


class WazstagramConfig(AppConfig):
    """The project itself as an app, so that its system checks run with every command."""

    name = "wazstagram"
    verbose_name = "Wazstagram"

    def ready(self):
        from . import checks  # noqa: F401  (registers the checks)
