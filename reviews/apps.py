from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self):
        from catalog import product_sections
        from reviews import display, tasks  # noqa: F401 (tasks: found by beat)

        product_sections.register("reviews", display.product_section)
