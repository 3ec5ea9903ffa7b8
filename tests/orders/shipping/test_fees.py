"""What a parcel costs: the first weight (or items), each further kilogram begun (or item),
the destination groups, the free-shipping thresholds, provinces not served, cold chain,
and a shop's part sent as one parcel per template."""

from decimal import Decimal

import pytest

from orders.shipping.fees import Goods, Parcel, quote, quote_part, ships_free_on_cards
from orders.shipping.models import FreightTemplate
from tests.factories import FreightRateFactory, FreightTemplateFactory, ProductFactory

pytestmark = pytest.mark.django_db


def parcel(weight_g=1000, units=1, amount="50.00"):
    return Parcel(weight_g=weight_g, units=units, amount=Decimal(amount))


@pytest.fixture
def by_weight():
    """湖北 ¥8 the first kg + ¥2/kg; neighbours ¥10 + ¥4; mainland ¥12 + ¥6;
    remote ¥20 + ¥10."""
    template = FreightTemplateFactory(is_default=True)
    for group, first, extra in [
        ("hubei", "8", "2"),
        ("neighbours", "10", "4"),
        ("mainland", "12", "6"),
        ("remote", "20", "10"),
    ]:
        FreightRateFactory(
            template=template, group=group, first_fee=Decimal(first), extra_fee=Decimal(extra)
        )
    return template


@pytest.mark.parametrize(
    ("weight_g", "fee"),
    [
        (1, "8.00"),
        (999, "8.00"),
        (1000, "8.00"),  # exactly the first weight
        (1001, "10.00"),  # one gram over: a kilogram begun
        (2000, "10.00"),
        (2001, "12.00"),
        (3000, "12.00"),
        (10000, "26.00"),
        (10001, "28.00"),
    ],
)
def test_the_fee_by_weight_counts_each_further_kilogram_begun(by_weight, weight_g, fee):
    assert quote(by_weight, "湖北省", parcel(weight_g)).fee == Decimal(fee)


@pytest.mark.parametrize(("units", "fee"), [(1, "6.00"), (2, "6.00"), (3, "9.00"), (5, "15.00")])
def test_the_fee_by_item_counts_the_first_items_then_each_further_one(units, fee):
    template = FreightTemplateFactory(basis=FreightTemplate.Basis.ITEM)
    FreightRateFactory(
        template=template,
        group="mainland",
        first_units=2,
        first_fee=Decimal("6"),
        extra_fee=Decimal("3"),
    )
    # The weight plays no part by item.
    assert quote(template, "广东省", parcel(weight_g=30000, units=units)).fee == Decimal(fee)


@pytest.mark.parametrize(
    ("province", "fee"),
    [
        ("湖北省", "10.00"),
        ("河南省", "14.00"),
        ("重庆市", "14.00"),
        ("湖南省", "14.00"),
        ("广东省", "18.00"),
        ("北京市", "18.00"),
        ("广西壮族自治区", "18.00"),
        ("新疆维吾尔自治区", "30.00"),
        ("西藏自治区", "30.00"),
        ("青海省", "30.00"),
        ("内蒙古自治区", "30.00"),
    ],
)
def test_each_province_pays_its_groups_rate(by_weight, province, fee):
    result = quote(by_weight, province, parcel(2000))
    assert (result.served, result.fee) == (True, Decimal(fee))


def test_free_over_ships_free_from_the_exact_amount_and_says_the_gap_below(by_weight):
    rate = by_weight.rates.get(group="mainland")
    rate.free_over = Decimal("99.00")
    rate.save()
    by_weight = FreightTemplate.objects.prefetch_related("rates").get(pk=by_weight.pk)

    at = quote(by_weight, "广东省", parcel(amount="99.00"))
    below = quote(by_weight, "广东省", parcel(amount="98.99"))

    assert (at.fee, at.is_free, at.gap, at.free_over) == (
        Decimal("0"),
        True,
        None,
        Decimal("99.00"),
    )
    assert (below.fee, below.is_free, below.gap) == (Decimal("12.00"), False, Decimal("0.01"))
    # Other groups have no threshold.
    assert quote(by_weight, "湖北省", parcel(amount="500")).fee == Decimal("8.00")


def test_free_under_g_ships_free_up_to_the_weight_included(by_weight):
    rate = by_weight.rates.get(group="hubei")
    rate.free_under_g = 500
    rate.save()
    by_weight = FreightTemplate.objects.prefetch_related("rates").get(pk=by_weight.pk)

    assert quote(by_weight, "湖北省", parcel(500)).fee == Decimal("0")
    assert quote(by_weight, "湖北省", parcel(501)).fee == Decimal("8.00")


def test_a_province_not_served_is_not_delivered_whatever_its_groups_rate(by_weight):
    by_weight.not_served = ["西藏自治区"]
    by_weight.save()

    tibet = quote(by_weight, "西藏自治区", parcel())
    xinjiang = quote(by_weight, "新疆维吾尔自治区", parcel())

    assert (tibet.served, tibet.fee, tibet.is_free) == (False, Decimal("0"), False)
    assert (xinjiang.served, xinjiang.fee) == (True, Decimal("20.00"))


def test_a_group_with_no_rate_is_not_delivered():
    template = FreightTemplateFactory()
    FreightRateFactory(template=template, group="hubei")

    assert quote(template, "湖北省", parcel()).served is True
    assert quote(template, "河南省", parcel()).served is False
    assert quote(template, "广东省", parcel()).served is False
    assert quote(template, "新疆维吾尔自治区", parcel()).served is False


def test_a_cold_chain_template_charges_its_own_prices_and_says_so():
    template = FreightTemplateFactory(cold_chain=True, not_served=["海南省"])
    FreightRateFactory(
        template=template, group="mainland", first_fee=Decimal("25"), extra_fee=Decimal("10")
    )

    to_guangdong = quote(template, "广东省", parcel(2500))

    assert (to_guangdong.fee, to_guangdong.cold_chain) == (Decimal("45.00"), True)
    assert quote(template, "海南省", parcel()).served is False
    assert quote(template, "湖北省", parcel()).served is False


def test_no_template_ships_free_everywhere():
    for province in ("湖北省", "广东省", "西藏自治区"):
        result = quote(None, province, parcel(50000))
        assert (result.served, result.fee, result.is_free, result.cold_chain) == (
            True,
            Decimal("0"),
            True,
            False,
        )


def test_a_part_under_two_templates_is_two_parcels_and_pays_their_sum(by_weight):
    cold = FreightTemplateFactory(vendor=by_weight.vendor, cold_chain=True)
    FreightRateFactory(
        template=cold, group="mainland", first_fee=Decimal("25"), extra_fee=Decimal("10")
    )
    oranges = ProductFactory(vendor=by_weight.vendor)
    tea = ProductFactory(vendor=by_weight.vendor)
    crayfish = ProductFactory(vendor=by_weight.vendor)
    goods = [
        Goods(oranges, 1, Decimal("60"), 5000),
        Goods(tea, 1, Decimal("30"), 500),
        Goods(crayfish, 1, Decimal("90"), 2000),
    ]
    templates = {oranges.pk: by_weight, tea.pk: by_weight, crayfish.pk: cold}

    part = quote_part(goods, templates, "广东省")

    # 5.5 kg under the default: ¥12 + 5 × ¥6; 2 kg chilled: ¥25 + 1 × ¥10.
    assert [p.quote.fee for p in part.parcels] == [Decimal("42.00"), Decimal("35.00")]
    assert [[g.product for g in p.goods] for p in part.parcels] == [[oranges, tea], [crayfish]]
    assert (part.fee, part.served, part.cold_chain) == (Decimal("77.00"), True, True)


def test_a_part_names_the_products_not_delivered(by_weight):
    cold = FreightTemplateFactory(vendor=by_weight.vendor, cold_chain=True)
    FreightRateFactory(template=cold, group="hubei")
    oranges, crayfish = ProductFactory(vendor=by_weight.vendor), ProductFactory()
    goods = [Goods(oranges, 1, Decimal("60"), 1000), Goods(crayfish, 1, Decimal("90"), 1000)]

    part = quote_part(goods, {oranges.pk: by_weight, crayfish.pk: cold}, "广东省")

    assert (part.served, part.not_served, part.fee) == (False, [crayfish], Decimal("12.00"))


def test_cards_say_free_shipping_only_when_the_mainland_pays_nothing():
    free = FreightTemplateFactory()
    for group in ("hubei", "neighbours", "mainland"):
        FreightRateFactory(
            template=free, group=group, first_fee=Decimal("0"), extra_fee=Decimal("0")
        )
    remote_paid = FreightRateFactory(template=free, group="remote", first_fee=Decimal("20"))
    hubei_only = FreightTemplateFactory()
    FreightRateFactory(
        template=hubei_only, group="hubei", first_fee=Decimal("0"), extra_fee=Decimal("0")
    )
    paid_further = FreightTemplateFactory()
    for group in ("hubei", "neighbours", "mainland"):
        FreightRateFactory(
            template=paid_further, group=group, first_fee=Decimal("0"), extra_fee=Decimal("1")
        )

    assert remote_paid.first_fee == Decimal("20")
    assert ships_free_on_cards(free) is True  # remote regions aside
    assert ships_free_on_cards(hubei_only) is False  # not delivered to the mainland
    assert ships_free_on_cards(paid_further) is False
    assert ships_free_on_cards(None) is True
