"""Review #21: after-sales approve (impact row, then ShopAccount) vs a payment confirmed
(ShopAccount, then impact row) for the same shop, orders of the same day: PostgreSQL."""

import time
from functools import partial

import pytest
from django.conf import settings

from aftersales.services import shop as shop_services
from orders import services as order_services
from orders.impact import rollups
from settlement.services import booking
from tests.aftersales.helpers import cancel_line, crayfish, lines_of, owner_of, placed
from tests.settlement.helpers import rate
from tests.support.races import all_at_once

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql", reason="PG"
)


@pytest.mark.django_db(transaction=True)
def test_approve_and_confirm_payment_deadlock(monkeypatch):
    rate("0.05")
    product = crayfish("88.00")
    x = placed((product, 2), payment_method="bank_transfer")
    order_services.confirm_payment(x, by=None)
    request = cancel_line(lines_of(x)[0], quantity=1)
    y = placed((product, 1), payment_method="bank_transfer")
    owner = owner_of(product.vendor)

    real_post, real_change = booking.post, rollups.record_change

    def slow_post(entries):
        done = real_post(entries)
        time.sleep(0.5)
        return done

    def slow_change(*args, **kwargs):
        real_change(*args, **kwargs)
        time.sleep(0.5)

    monkeypatch.setattr(booking, "post", slow_post)
    monkeypatch.setattr(rollups, "record_change", slow_change)
    outcomes = all_at_once(
        [
            partial(shop_services.approve, request, by=owner),
            partial(order_services.confirm_payment, y, by=None),
        ],
        language="en",
    )
    print(outcomes)
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
