"""After-sales in the demo: the fresh categories' 48 hours, and a few requests on the demo
shoppers' parcels on their way, one at each stage, so the shop's dashboard and the
admin's escalation queue have something to show: one awaiting the shop, one with a
partial offer, two escalated to staff (one of them past its deadline) with photos of
dead crayfish, one refunded.

Made through the real services (aftersales/services), as a shopper and a shop would:
the messages are written, the money recorded as owed by the shop (the demo orders are
cash on delivery), the impact board's days corrected. Idempotent: nothing is added when
the demo shoppers already have requests; a category's hours staff chose stay.
"""

import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aftersales import services
from aftersales.models import AfterSalesRequest
from catalog.models import Category, VendorMember
from catalog.reference.hubei import FRESH_AFTERSALES_HOURS, FRESH_CATEGORIES
from demo.orders import SHOPPER_PREFIX
from demo.photos import draw_photo
from orders.models import Order, OrderLine, OrderPart

Reason = AfterSalesRequest.Reason


@dataclass(frozen=True)
class DemoRequest:
    stage: str  # requested, offered, escalated, late, refunded
    reason: str
    description: str
    photos: int = 0


REQUESTS = [
    DemoRequest("escalated", Reason.SPOILED, "打开箱子小龙虾全死了，还有异味。", photos=2),
    DemoRequest("late", Reason.SPOILED, "一半的虾到货时已经不动了。", photos=1),
    DemoRequest("requested", Reason.DAMAGED, "快递压坏了，好几个碎了。", photos=1),
    DemoRequest("offered", Reason.SPOILED, "有几个烂了，发霉。", photos=1),
    DemoRequest("refunded", Reason.MISSING, "少发了一盒。"),
]
SHOP_REFUSAL = "发货时都是活的，是快递在路上耽误了，请联系快递理赔。"
SHOP_OFFER = "坏的只是一部分，按一半退款。"
ESCALATION = "照片里看得很清楚，全部坏了，请平台处理。"


def seed_aftersales_hours() -> int:
    """48 hours for the fresh categories that have no hours set. Returns how many."""
    return Category.objects.filter(slug__in=FRESH_CATEGORIES, aftersales_hours=None).update(
        aftersales_hours=FRESH_AFTERSALES_HOURS
    )


def seed_requests() -> int:
    """The demo's requests, one per stage, on lines of different demo orders shipped and
    not yet received (fresh produce first). Returns how many were made."""
    if AfterSalesRequest.objects.filter(shopper__username__startswith=SHOPPER_PREFIX).exists():
        return 0
    lines = _candidate_lines(len(REQUESTS))
    shop_users = _shop_users({line.part.vendor_id for line in lines})
    for line, demo in zip(lines, REQUESTS, strict=False):
        _make(line, demo, shop_users.get(line.part.vendor_id))
    return min(len(lines), len(REQUESTS))


def _candidate_lines(count: int) -> list[OrderLine]:
    """`count` lines of distinct demo orders on their way (cash on delivery), the most
    recently shipped first, fresh categories before the rest."""
    lines = list(
        OrderLine.objects.filter(
            part__order__shopper__username__startswith=SHOPPER_PREFIX,
            part__order__status=Order.Status.CONFIRMED,
            part__status=OrderPart.Status.SHIPPED,
        )
        .select_related("part__order__shopper", "category")
        .order_by("-part__shipped_at", "pk")[:300]
    )
    lines.sort(key=lambda line: line.category is None or line.category.slug not in FRESH_CATEGORIES)
    chosen, orders = [], set()
    for line in lines:
        if line.part.order_id not in orders:
            orders.add(line.part.order_id)
            chosen.append(line)
        if len(chosen) == count:
            break
    return chosen


def _shop_users(vendor_ids: set[int]) -> dict[int, object]:
    """vendor id -> one of its members, who answers for the shop."""
    users = {}
    for member in VendorMember.objects.filter(vendor_id__in=vendor_ids).select_related("user"):
        users.setdefault(member.vendor_id, member.user)
    return users


def _make(line: OrderLine, demo: DemoRequest, shop_user) -> AfterSalesRequest:
    shopper = line.part.order.shopper
    label = line.category.slug if line.category else "other"
    request = services.open_request(
        line,
        shopper=shopper,
        kind=AfterSalesRequest.Kind.REFUND_ONLY,
        reason=demo.reason,
        quantity=line.quantity,
        description=demo.description,
        photos=[_photo(label, n) for n in range(demo.photos)],
    )
    if demo.stage == "refunded":
        return services.approve(request, by=shop_user)
    if demo.stage in ("offered", "late"):
        half = (request.amount / 2).quantize(Decimal("0.01"))
        request = services.offer(request, amount=half, note=SHOP_OFFER, by=shop_user)
    elif demo.stage == "escalated":
        request = services.refuse(request, reason=SHOP_REFUSAL, by=shop_user)
    if demo.stage in ("escalated", "late"):
        request = services.escalate(request, note=ESCALATION, by=shopper)
    if demo.stage == "late":
        # Escalated three days ago: staff are late, and the queue says by how much.
        late = timezone.now() - timedelta(hours=26)
        AfterSalesRequest.objects.filter(pk=request.pk).update(due_at=late)
    return request


def _photo(category_slug: str, variant: int) -> SimpleUploadedFile:
    """A shopper's photo of what arrived, drawn (no downloads) as a JPEG."""
    image = draw_photo(category_slug, "到货照片", "As it arrived", 10 + variant)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile(f"arrived-{variant}.jpg", buffer.getvalue(), "image/jpeg")
