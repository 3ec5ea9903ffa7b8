from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo store: `seed_demo` and the demo data of every app below; nothing imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = "Demo"
