import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from livestream import counters, viewers
from livestream import services as stream_services
from livestream.channels import stream_page
from livestream.models import LiveStream
from orders import services
from orders.models import Cart
from tests.factories import (
    AddressFactory,
    FeaturedProductFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db


def test_watching_now_counts_recent_heartbeats_and_viewers_count_everyone_once(live):
    t0 = timezone.now()
    for viewer in ("a", "b", "c"):
        counters.record_heartbeat(live.pk, viewer, t0)
    counters.record_heartbeat(live.pk, "a", t0 + timedelta(seconds=20))

    assert counters.audience(live.pk, t0 + timedelta(seconds=25)) == (3, 3)
    assert counters.audience(live.pk, t0 + timedelta(seconds=45)) == (1, 3)  # only a is left
    assert counters.audience(live.pk, t0 + timedelta(minutes=5)) == (0, 3)


def test_the_unique_viewer_estimate_stays_within_two_percent(live):
    registers = bytes(1 << counters.HLL_PRECISION)
    for n in range(100_000):
        registers = counters.hll_add(registers, uuid.UUID(int=n * 7919).hex)

    assert abs(counters.hll_count(registers) - 100_000) / 100_000 < 0.02
    assert len(registers) == 16_384  # memory does not grow with the audience


def test_sales_count_the_streams_orders_and_leave_cancellations_out(live, django_user_model):
    crayfish = ProductFactory(price=Decimal("98.00"), net_weight_g=1500, stock=20)
    FeaturedProductFactory(stream=live, product=crayfish, stream_price=Decimal("79"))
    orders = []
    for n in range(3):
        user = django_user_model.objects.create_user(f"fan{n}")
        address = AddressFactory(user=user, city="潜江市", district="园林", street="1 号")
        cart = Cart.objects.create(user=user)
        services.add_to_cart(cart, crayfish, 2, bought_from=stream_page(live) if n < 2 else None)
        orders.append(
            services.place_order(
                cart,
                shopper=user,
                address=address,
                payment_method="cod",
                idempotency_key=uuid.uuid4().hex,
            )
        )
    services.cancel_order(orders[1], by=orders[1].shopper)

    assert counters.sales(live.pk) == (1, 3000)  # the third order was not from the stream


def test_the_page_polls_counters_and_each_poll_is_a_heartbeat(client, live):
    url = reverse("livestream:counters", args=[live.slug])

    assert client.get(live.get_absolute_url()).cookies["viewer"].value
    client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    again = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<dd data-counter="watching">1</dd>' in again
    assert '<dd data-counter="viewers">1</dd>' in again
    page = client.get(live.get_absolute_url()).content.decode()
    assert f'hx-get="{url}"' in page and "every 5s" in page


def test_a_warm_poll_costs_no_sql_whatever_the_audience(client, live, django_assert_num_queries):
    url = reverse("livestream:counters", args=[live.slug])
    client.get(live.get_absolute_url())
    client.get(url)
    for n in range(5):
        client.cookies["viewer"] = viewers.signed(f"viewer-{n}")
        with django_assert_num_queries(0):
            page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<dd data-counter="viewers">6</dd>' in page


def test_when_the_stream_ends_the_next_poll_says_so_and_counts_no_one_watching(
    client, live, django_capture_on_commit_callbacks
):
    url = reverse("livestream:counters", args=[live.slug])
    client.get(live.get_absolute_url())
    client.get(url)

    with django_capture_on_commit_callbacks(execute=True):
        stream_services.end_stream(live)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Watching now" not in page
    assert '<dd data-counter="viewers">1</dd>' in page


def test_polling_a_stream_that_does_not_exist_is_404(client, db):
    assert client.get(reverse("livestream:counters", args=["no-such-stream"])).status_code == 404


@pytest.mark.skipif(not settings.REDIS_URL, reason="the batching is the Redis path's")
def test_a_web_process_writes_its_viewers_heartbeats_to_redis_together(live):
    batch = counters._ProcessBatch()
    client = counters._redis()
    t0 = timezone.now().timestamp()

    first = batch.poll(client, live.slug, "a", t0, 1)  # a fresh process reads at once
    during = [batch.poll(client, live.slug, v, t0 + 0.5, 1) for v in ("b", "c", "d")]
    stored_during = counters.audience(live.pk, timezone.now())
    later = batch.poll(client, live.slug, "e", t0 + 1.2, 1)

    assert (first.watching, first.unique_viewers) == (1, 1)
    assert {(c.watching, c.unique_viewers) for c in during} == {(1, 1)}  # the last read
    assert stored_during == (1, 1)  # b, c and d wait in the process...
    assert (later.watching, later.unique_viewers) == (5, 5)  # ...and go in one pipeline


@pytest.mark.skipif(not settings.REDIS_URL, reason="the batching is the Redis path's")
def test_a_batching_process_sees_a_stream_end_within_its_window(live):
    batch = counters._ProcessBatch()
    client = counters._redis()
    t0 = timezone.now().timestamp()
    batch.poll(client, live.slug, "a", t0, 1)
    LiveStream.objects.filter(pk=live.pk).update(state=LiveStream.State.ENDED)
    counters.forget_summary(live.slug)

    assert batch.poll(client, live.slug, "a", t0 + 0.5, 1).live is True
    assert batch.poll(client, live.slug, "a", t0 + 1.5, 1).live is False
