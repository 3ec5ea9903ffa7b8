from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from notifications import selectors, services

MESSAGES_PER_PAGE = 20  # as many as a page of orders


@login_required
def inbox(request):
    """The site's inbox: every message delivered to this shopper or vendor member. The
    messages a page shows are read once it is opened: those new until now say so once."""
    messages_sent = selectors.inbox_for(request.user)
    page = Paginator(messages_sent, MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # these, and only these, are read now
    new = services.mark_read(request.user, page.object_list)
    back_url, back_label = settings.INBOX_BACK_LINK
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "new": new, "back_url": reverse(back_url), "back_label": back_label},
    )


@never_cache
@require_GET
def inbox_link(request):
    """The header's link to the inbox with the count of unread messages (loaded by htmx,
    so pages stay cacheable). 204 for a visitor no longer signed in: htmx leaves the
    link as it is."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    return render(
        request,
        "notifications/partials/inbox_link.html",
        {"count": selectors.unread_count(request.user)},
    )
