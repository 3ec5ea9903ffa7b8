"""The author's review pages: write a review of a received line, add the one
follow-up (追评), and "my reviews" (each with its state; a hidden one with staff's
reason). Thin: parse, call reviews/services.py, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from reviews import author_selectors, services
from reviews.forms import FollowUpForm, ReviewForm
from reviews.models import MAX_PHOTOS
from reviews.windows import ALREADY_REVIEWED, follow_up_refusal, review_closes_at, review_refusal

REVIEWS_PER_PAGE = 20
WRITTEN = _("Thank you: your review is published.")
FOLLOWED_UP = _("Thank you: your follow-up is published.")


def _already_reviewed(request):
    messages.info(request, ALREADY_REVIEWED)
    return redirect("reviews:mine")


@login_required
@require_http_methods(["GET", "POST"])
def write(request, line_id):
    """The review form of one line of the shopper's orders (another's: 404); a line
    reviewed already sends them to their reviews, saying so."""
    line = author_selectors.line_for_author(request.user, line_id)
    if hasattr(line, "review"):
        return _already_reviewed(request)
    refusal = review_refusal(line.part)
    form = None
    if not refusal:
        posted = request.method == "POST"
        form = ReviewForm(request.POST if posted else None, request.FILES if posted else None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                services.write_review(
                    author=request.user,
                    line=line,
                    stars=data["stars"],
                    text=data["text"],
                    photos=data.get("photos") or [],
                )
            except ValidationError as error:
                if any(problem.code == "already_reviewed" for problem in error.error_list):
                    return _already_reviewed(request)
                form.add_service_error(error)
            else:
                messages.success(request, WRITTEN)
                return redirect("reviews:mine")
    return render(
        request,
        "reviews/write.html",
        {
            "line": line,
            "order": line.part.order,
            "form": form,
            "refusal": refusal,
            "closes_at": review_closes_at(line.part),
            "most_photos": MAX_PHOTOS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up(request, review_id):
    """The follow-up form of one of the shopper's reviews (another's: 404)."""
    review = author_selectors.review_for_author(request.user, review_id)
    line = review.line
    refusal = follow_up_refusal(review, line.part)
    form = None
    if not refusal:
        posted = request.method == "POST"
        room = MAX_PHOTOS - len(review.photos.all())
        form = FollowUpForm(
            request.POST if posted else None,
            request.FILES if posted else None,
            room_for_photos=room,
        )
        if form.is_bound and form.is_valid():
            try:
                services.add_follow_up(
                    review, form.cleaned_data["text"], photos=form.cleaned_data.get("photos") or []
                )
            except ValidationError as error:
                if any(problem.code == "not_eligible" for problem in error.error_list):
                    messages.info(request, error.messages[0])
                    return redirect("reviews:mine")
                form.add_service_error(error)
            else:
                messages.success(request, FOLLOWED_UP)
                return redirect("reviews:mine")
    return render(
        request,
        "reviews/follow_up.html",
        {
            "review": review,
            "line": line,
            "order": line.part.order,
            "form": form,
            "refusal": refusal,
        },
    )


@login_required
def mine(request):
    page = Paginator(author_selectors.reviews_of_author(request.user), REVIEWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for review in page.object_list:
        review.can_follow_up = not follow_up_refusal(review, review.line.part)
    return render(request, "reviews/mine.html", {"page": page})
