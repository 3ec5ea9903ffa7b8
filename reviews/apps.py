from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self):
        from catalog import product_sections
        from orders import line_actions
        from reviews import display, messages, tasks  # noqa: F401 (tasks: found by beat)
        from reviews.line_actions import order_line_reviews

        messages.register_kinds()
        line_actions.register("reviews", order_line_reviews)
        product_sections.register("reviews", display.product_section)
