"""Shopper pages of livestreams: the list, one stream (player, products to buy, live
counters), remind me."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from livestream import counters, selectors, viewers
from livestream.models import LiveStream, StreamReminder

REMINDER_SET = _("We will remind you by message and email before it starts.")
REMINDER_CANCELLED = _("No reminder for this stream any more.")
NOT_UPCOMING = _("This stream is not coming up any more.")


def stream_list(request):
    live, upcoming, replays = selectors.streams_by_state()
    return render(
        request, "livestream/list.html", {"live": live, "upcoming": upcoming, "replays": replays}
    )


def stream_detail(request, slug):
    stream, featured = selectors.stream_with_products(slug)
    reminded = (
        request.user.is_authenticated
        and StreamReminder.objects.filter(stream=stream, user=request.user, sent_at=None).exists()
    )
    response = render(
        request,
        "livestream/detail.html",
        {"stream": stream, "featured": featured, "reminded": reminded},
    )
    # On the response, not in the page: the viewer id is this browser's alone.
    viewers.give_viewer_id(request, response)
    return response


def stream_counters(request, slug):
    """The counters fragment the stream page polls; a poll carrying the viewer id the page
    signed is also that viewer's heartbeat, any other poll only reads (livestream/viewers.py)."""
    found = counters.poll(slug, viewers.viewer_from(request))
    if found is None:
        raise Http404
    return render(request, "livestream/partials/counters.html", {"counters": found})


@login_required
@require_POST
def stream_remind(request, slug):
    stream = get_object_or_404(LiveStream, slug=slug)
    if request.POST.get("cancel"):
        StreamReminder.objects.filter(stream=stream, user=request.user, sent_at=None).delete()
        messages.success(request, REMINDER_CANCELLED)
    elif stream.state != LiveStream.State.SCHEDULED:
        messages.error(request, NOT_UPCOMING)
    else:
        try:
            with transaction.atomic():
                StreamReminder.objects.get_or_create(stream=stream, user=request.user)
        except IntegrityError:  # a double click
            pass
        messages.success(request, REMINDER_SET)
    return redirect(stream.get_absolute_url())
