from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self):
        from orders import line_actions
        from reviews import messages
        from reviews.line_actions import order_line_reviews

        messages.register_kinds()
        line_actions.register("reviews", order_line_reviews)
