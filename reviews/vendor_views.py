"""The shop's reviews in the vendor dashboard: its shown reviews, those it has not
replied to first, each with a reply form until it has its one reply.

Mounted under /vendor/ by hubei_market/vendor_urls.py; `vendor_view` sets request.vendor
and refuses writes of a shop that is not approved. Reviews are reached only through
`display.reviews_for_vendor(request.vendor)`, so another shop's review is a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from catalog.vendor.access import vendor_view
from reviews import display, replies
from reviews.vendor_forms import ReplyForm

REVIEWS_PER_PAGE = 20
REPLIED = _("Reply published: it shows under the review.")


def _render_list(request: HttpRequest, *, bound=None, status: int = 200) -> HttpResponse:
    page = Paginator(display.reviews_for_vendor(request.vendor), REVIEWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = display.for_display(page.object_list)
    for review in page.object_list:
        if bound is not None and bound[0] == review.pk:
            review.reply_form = bound[1]
        elif not review.reply:
            review.reply_form = ReplyForm(auto_id=f"reply-{review.pk}-%s")
    return render(request, "vendor/reviews/list.html", {"page": page}, status=status)


@vendor_view
def review_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request)


@vendor_view
@require_POST
def review_reply(request: HttpRequest, review_id: int) -> HttpResponse:
    """The shop's reply to one of its reviews; a form error or a refusal (replied
    already, hidden meanwhile) is shown on the list again and nothing changes."""
    review = get_object_or_404(display.reviews_for_vendor(request.vendor), pk=review_id)
    form = ReplyForm(request.POST, auto_id=f"reply-{review.pk}-%s")
    if not form.is_valid():
        return _render_list(request, bound=(review.pk, form), status=400)
    try:
        replies.reply_to_review(review=review, by=request.user, text=form.cleaned_data["text"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("vendor:reviews")
    messages.success(request, REPLIED)
    return redirect("vendor:reviews")
