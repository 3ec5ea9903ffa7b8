"""The promotion pages: now and coming, one promotion, and the reminder a shopper asks for.
Thin, like catalog/views.py (whose product listing they share)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalog.page_cache import cached_page
from catalog.promotions import selectors as promotion_selectors
from catalog.promotions import services as promotion_services
from catalog.promotions.models import PromotionReminder
from catalog.views import product_listing

REMINDER_SET = gettext_lazy("We will tell you by message and email when it starts.")
REMINDER_CANCELLED = gettext_lazy("No reminder for this promotion any more.")

FLASH_SALE_COUNTS_MAX_AGE = 30  # seconds


def promotion_list(request):
    def render_promotions(extra):
        running, upcoming = promotion_selectors.promotions_now_and_soon()
        # A flash sale whose units are all sold is not "on now": it is listed as sold out.
        sold_out = [p for p in running if p.sold_out]
        running = [p for p in running if not p.sold_out]
        return render(
            request,
            "catalog/promotion_list.html",
            {"running": running, "sold_out": sold_out, "upcoming": upcoming, **extra},
        )

    # "N of M sold" moves with every flash-sale order; checkouts refresh the pages only
    # for a sale's last few units, so the counts here may be up to this old.
    return cached_page(request, render_promotions, max_age=FLASH_SALE_COUNTS_MAX_AGE)


def promotion_detail(request, slug):
    """A promotion's landing page: its products, filterable like any listing."""
    reminded = (
        request.user.is_authenticated
        and PromotionReminder.objects.filter(promotion__slug=slug, user=request.user).exists()
    )

    def scope():
        promotion = promotion_selectors.promotion_by_slug(slug)
        return promotion_selectors.products_in_promotion(promotion), {
            "promotion": promotion,
            "state": promotion.state_at(),
            "reminded": reminded,
        }

    return product_listing(request, "catalog/promotion_detail.html", scope=scope)


@login_required
@require_POST
def promotion_remind(request, slug):
    promotion = promotion_selectors.promotion_by_slug(slug)
    if request.POST.get("cancel"):
        promotion_services.cancel_reminder(promotion, request.user)
        messages.success(request, REMINDER_CANCELLED)
    else:
        try:
            promotion_services.ask_for_reminder(promotion, request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, REMINDER_SET)
    return redirect(promotion.get_absolute_url())
