"""Reads the cart and order pages need."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, F, Max, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.utils import timezone

from catalog.models import Product, ProductImage, Vendor
from catalog.promotions.checkout import price_lines
from catalog.promotions.pricing import schedule_at
from core.names import in_shoppers_language
from orders.models import Cart, CartItem, Order, OrderEvent, OrderLine, OrderPart
from orders.shipping.fees import Goods, PartQuote
from orders.shipping.selectors import link_products, quote_goods_by_vendor, with_freight_links

SESSION_CART_KEY = "cart_id"


def cart_for_request(request: HttpRequest, *, create: bool = False) -> Cart | None:
    """The signed-in shopper's cart, or the one this browser session started.

    The anonymous cart's id lives in the session (the session key changes at sign-in;
    the data moves with it, so the cart can be merged then).
    """
    if request.user.is_authenticated:
        if create:
            return Cart.objects.get_or_create(user=request.user)[0]
        return Cart.objects.filter(user=request.user).first()
    cart_id = request.session.get(SESSION_CART_KEY)
    cart = Cart.objects.filter(pk=cart_id, user=None).first() if cart_id else None
    if cart is None and create:
        if not request.session.session_key:
            request.session.save()
        cart = Cart.objects.create(session_key=request.session.session_key)
        request.session[SESSION_CART_KEY] = cart.pk
    return cart


def cart_item_count(cart: Cart | None) -> int:
    if cart is None:
        return 0
    return cart.items.aggregate(total=Sum("quantity"))["total"] or 0


@dataclass
class VendorGroup:
    vendor: Vendor
    items: list[CartItem] = field(default_factory=list)
    subtotal: Decimal = Decimal("0")
    weight_g: int = 0
    # Its shipping to the province the cart was read for (None: no province known).
    shipping: PartQuote | None = None

    @property
    def units(self) -> int:
        """How many units the shopper buys from this vendor (as the cart counts them)."""
        return sum(item.quantity for item in self.items)


@dataclass
class CartView:
    groups: list[VendorGroup]
    total: Decimal
    weight_g: int
    count: int
    problems: list[CartItem]  # items that cannot be bought as they stand
    # The province the shipping was quoted for (None: not known, no fees shown).
    province: str | None = None

    @property
    def can_check_out(self) -> bool:
        return bool(self.groups) and not self.problems

    @property
    def shipping_fee(self) -> Decimal | None:
        """The parts' shipping to `province` (None while it is not known)."""
        if self.province is None:
            return None
        return sum((g.shipping.fee for g in self.groups if g.shipping), Decimal("0"))

    @property
    def grand_total(self) -> Decimal:
        """What the shopper pays: goods and shipping (goods alone while no province)."""
        return self.total + (self.shipping_fee or Decimal("0"))

    @property
    def not_delivered(self) -> list[Product]:
        """The products their shop does not send to `province`."""
        return [p for g in self.groups if g.shipping for p in g.shipping.not_served]


def cart_contents(
    cart: Cart | None, items: list[CartItem] | None = None, *, province: str | None = None
) -> CartView:
    """The cart grouped by vendor with subtotals, total and weight (three queries), and
    with `province` each group's `shipping` there (one more: the freight templates' rates;
    each product's own template comes with the items).

    Each item gets `unit_price`, `line_total`, `portions` (its units at each price: a
    per-shopper limit or a flash sale's last units split them), `price_notes` (why part
    of it is at another price) and `problem` (None, "unavailable" or "short") so the page
    can say what must change before checkout. `items`: the lines shown instead of the
    cart's (buy now: see `buy_now_items`), priced for `cart.user`.
    """
    if cart is None:
        return CartView([], Decimal("0"), 0, 0, [])
    items = (
        items
        if items is not None
        else link_products(
            list(
                with_freight_links(
                    CartItem.objects.filter(cart=cart)
                    .select_related(
                        "product__vendor", "product__origin_county", "product__category"
                    )
                    .prefetch_related(
                        Prefetch(
                            "product__images",
                            queryset=ProductImage.objects.order_by("position", "id"),
                        )
                    )
                    # vendors in the order the shopper added from them
                    .order_by("added_at", "id"),
                    "product_id",
                )
            )
        )
    )
    visible = set(
        Product.objects.visible()
        .filter(pk__in=[i.product_id for i in items])
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    prices = price_lines(items, cart.user_id, now, schedule_at(now))
    groups, problems = {}, []
    total, weight = Decimal("0"), 0
    for item, item_price in zip(items, prices, strict=True):
        product, price = item.product, item_price.portions[0].price
        product.current_price, product.promotion = price.amount, price.promotion
        item.unit_price, item.promotion = price.amount, price.promotion
        item.portions, item.price_notes = item_price.portions, item_price.notes
        item.line_total = item_price.total
        item.weight_g = product.net_weight_g * item.quantity
        item.problem = None
        if product.pk not in visible:
            item.problem = "unavailable"
        elif item.quantity > product.stock:
            item.problem = "short"
        if item.problem:
            problems.append(item)
        group = groups.setdefault(product.vendor_id, VendorGroup(product.vendor))
        group.items.append(item)
        group.subtotal += item.line_total
        group.weight_g += item.weight_g
        total += item.line_total
        weight += item.weight_g
    if province is not None:
        quotes = quote_goods_by_vendor(
            {
                vendor_id: [
                    Goods(i.product, i.quantity, i.line_total, i.weight_g) for i in group.items
                ]
                for vendor_id, group in groups.items()
            },
            province,
        )
        for vendor_id, group in groups.items():
            group.shipping = quotes[vendor_id]
    return CartView(
        list(groups.values()),
        total,
        weight,
        sum(i.quantity for i in items),
        problems,
        province=province,
    )


def buy_now_items(lines: Sequence[tuple[int, int, str]], *, photos: bool = True) -> list[CartItem]:
    """Unsaved cart items for [(product id, quantity, sales channel)] ("Buy now": the page and
    the checkout that places it), their products read as the cart's are (two queries; one
    with `photos=False`); a product gone since is left out."""
    products = with_freight_links(
        Product.objects.select_related("vendor", "origin_county", "category")
    )
    if photos:
        products = products.prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))
        )
    products = products.in_bulk([product_id for product_id, _quantity, _channel in lines])
    return [
        CartItem(product=products[product_id], quantity=quantity, channel=channel)
        for product_id, quantity, channel in lines
        if product_id in products
    ]


def orders_for_shopper(user: AbstractBaseUser) -> QuerySet[Order]:
    """A shopper's own orders only: another shopper's order number is simply not found."""
    return Order.objects.filter(shopper=user).prefetch_related(
        Prefetch(
            "parts",
            queryset=OrderPart.objects.select_related("vendor").prefetch_related(
                Prefetch("lines", queryset=OrderLine.objects.select_related("promotion"))
            ),
        )
    )


def add_cancel_reasons(order: Order) -> Order:
    """Give each part of `order` its `cancel_reason` (why its shop cancelled it, or "")
    and the order its `close_reason` (why the store closed it: not paid in time; or "").
    One query, and only for an order with something cancelled."""
    cancelled = [part for part in order.parts.all() if part.status == OrderPart.Status.CANCELLED]
    notes = {}
    if cancelled or order.status == Order.Status.CANCELLED:
        notes = dict(
            OrderEvent.objects.filter(
                Q(part__in=cancelled) | Q(part__isnull=True, by__isnull=True),
                order=order,
                to_status=OrderPart.Status.CANCELLED,
            )
            .exclude(note="")
            .order_by("at", "pk")
            .values_list("part_id", "note")
        )
    for part in order.parts.all():
        part.cancel_reason = notes.get(part.pk, "")
    order.close_reason = notes.get(None, "")
    return order


def order_just_placed(user: AbstractBaseUser, *, within: timedelta) -> Order | None:
    """The shopper's newest order placed in the last `within` (a timedelta), or None: the
    order another tab or window made from this shopper's cart (one cart per shopper)."""
    return (
        Order.objects.filter(shopper=user, created_at__gte=timezone.now() - within)
        .order_by("-created_at", "-pk")
        .first()
    )


def vendor_parts(vendor: Vendor) -> QuerySet[OrderPart]:
    """One shop's order parts, newest order first, with what the list and page show."""
    return (
        OrderPart.objects.filter(vendor=vendor)
        .select_related("order")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("promotion")))
        .order_by("-order__created_at", "-pk")
    )


SALES_DAYS = 30
CHART_WIDTH, CHART_HEIGHT = 600, 120


@dataclass
class SalesSummary:
    since: date
    orders: int
    revenue: Decimal
    weight_g: int
    days: list[tuple[date, Decimal]]
    top_products: list[dict[str, Any]]
    chart_bars: list[dict[str, Any]] = field(default_factory=list)

    @property
    def best_day(self) -> Decimal:
        return max((revenue for _, revenue in self.days), default=Decimal("0"))

    @property
    def kilograms(self) -> Decimal:
        return Decimal(self.weight_g) / 1000


def vendor_sales_summary(vendor: Vendor, *, today: date | None = None) -> SalesSummary:
    """A shop's last 30 days (Shanghai days, today included), cancelled parts left out and
    after-sales refunds taken off: orders, revenue, weight, revenue per day (for the
    chart) and the top five products.
    Three queries, whatever the number of orders."""
    today = today or timezone.localdate()
    since = today - timedelta(days=SALES_DAYS - 1)
    start = datetime.combine(since, time.min, tzinfo=timezone.get_current_timezone())
    parts = OrderPart.objects.filter(vendor=vendor, order__created_at__gte=start).exclude(
        status=OrderPart.Status.CANCELLED
    )
    # Net of after-sales refunds (orders/services/refunds.py keeps the refunded fields in
    # the refund's transaction): what the shop keeps, and the weight it really sold.
    net_revenue = Sum(F("subtotal") - F("refunded_goods"))
    totals = parts.aggregate(
        orders=Count("pk"),
        revenue=net_revenue,
        weight=Sum(F("weight_g") - F("refunded_weight_g")),
    )
    per_day = dict(
        parts.annotate(day=TruncDate("order__created_at"))
        .values("day")
        .annotate(revenue=net_revenue)
        .values_list("day", "revenue")
    )
    days = [
        (since + timedelta(days=n), per_day.get(since + timedelta(days=n), Decimal("0")))
        for n in range(SALES_DAYS)
    ]
    top_products = list(
        OrderLine.objects.filter(part__in=parts)
        .values("product_id", "product_name")
        .annotate(
            units=Sum(F("quantity") - F("refunded_quantity")),
            revenue=Sum(F("line_total") - F("refunded_amount")),
            weight_g=Sum(F("weight_g") - F("refunded_weight_g")),
            product_name_en=Max("product_name_en"),
        )
        .order_by("-revenue", "product_name")[:5]
    )
    for row in top_products:
        row["display_name"] = in_shoppers_language(row["product_name"], row["product_name_en"])
    summary = SalesSummary(
        since,
        totals["orders"],
        totals["revenue"] or Decimal("0"),
        totals["weight"] or 0,
        days,
        top_products,
    )
    summary.chart_bars = _bars(days)
    return summary


def _bars(days: Sequence[tuple[date, Decimal]]) -> list[dict[str, Any]]:
    """SVG rectangles for revenue per day: x, y, width, height, and the label."""
    highest = max((revenue for _, revenue in days), default=0) or 1
    step = CHART_WIDTH / len(days)
    return [
        {
            "x": round(n * step + 1, 1),
            "width": round(step - 2, 1),
            "height": round(float(revenue) / float(highest) * (CHART_HEIGHT - 4), 1),
            "y": round(CHART_HEIGHT - float(revenue) / float(highest) * (CHART_HEIGHT - 4), 1),
            "day": day,
            "revenue": revenue,
        }
        for n, (day, revenue) in enumerate(days)
    ]
