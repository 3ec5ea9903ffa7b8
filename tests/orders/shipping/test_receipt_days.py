"""How many days after shipment receipt is confirmed for the shopper: fresh categories
sooner, inherited down the category tree, never later than AUTO_CONFIRM_DAYS and never
so soon that the reminder a day before would come with the parcel still at the shop."""

import pytest

from orders.shipping.receipt_days import auto_confirm_days, days_for, receipt_days_by_category
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


class Line:
    def __init__(self, category):
        self.category_id = category.pk if category else None


def test_a_grandchild_of_a_fresh_category_takes_its_days(settings):
    settings.AUTO_CONFIRM_DAYS = 10
    aquatic = CategoryFactory(auto_confirm_days=5)
    crayfish = CategoryFactory(parent=aquatic)
    live_crayfish = CategoryFactory(parent=crayfish)

    assert auto_confirm_days([Line(live_crayfish)]) == 5
    assert receipt_days_by_category()[live_crayfish.pk] == 5


def test_the_nearest_category_with_days_decides(settings):
    settings.AUTO_CONFIRM_DAYS = 10
    fruit = CategoryFactory(auto_confirm_days=7)
    citrus = CategoryFactory(parent=fruit, auto_confirm_days=4)
    navel = CategoryFactory(parent=citrus)

    assert auto_confirm_days([Line(navel)]) == 4


def test_the_fewest_days_of_a_parts_categories_and_never_more_than_the_default(settings):
    settings.AUTO_CONFIRM_DAYS = 10
    tea = CategoryFactory()
    eggs = CategoryFactory(auto_confirm_days=7)
    slow = CategoryFactory(auto_confirm_days=30)

    assert auto_confirm_days([Line(tea)]) == 10
    assert auto_confirm_days([Line(tea), Line(eggs)]) == 7
    assert auto_confirm_days([Line(slow)]) == 10
    assert auto_confirm_days([Line(None)]) == 10


def test_never_sooner_than_two_days_so_the_reminder_comes_after_a_day():
    assert days_for([1], {1: 1}) == 2
    assert days_for([1], {1: 0}) == 2
