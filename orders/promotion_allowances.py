"""The shoppers' promotion allowances (catalog.PromotionAllowance) recounted from the
orders: each allowance's `units_used` becomes the discounted units its shopper bought
under its promotion, in parts not cancelled. Here, in orders, because it reads order
lines. Orders migration 0024 fills the allowances with it (historical models), and the
`recount_promotion_allowances` command runs it again (live models) after a deploy, for
the orders that processes still running the previous release placed meanwhile."""

from collections.abc import Iterator

from django.db import models, transaction
from django.db.models import Sum

BATCH = 1000


def _pairs(order_line_model: type[models.Model], batch_size: int) -> Iterator[list]:
    """The (promotion id, shopper id) pairs that have order lines, in batches of
    `batch_size`: by promotion, then by shopper id from the last one seen (no cursor
    stays open across the batches' transactions)."""
    lines = order_line_model.objects.filter(promotion__isnull=False)
    promotion_ids = lines.values_list("promotion_id", flat=True).order_by("promotion_id")
    for promotion_id in list(promotion_ids.distinct()):
        last = 0
        while True:
            shopper_ids = list(
                lines.filter(promotion_id=promotion_id, part__order__shopper_id__gt=last)
                .values_list("part__order__shopper_id", flat=True)
                .order_by("part__order__shopper_id")
                .distinct()[:batch_size]
            )
            if not shopper_ids:
                break
            yield [(promotion_id, shopper_id) for shopper_id in shopper_ids]
            last = shopper_ids[-1]


def recount_promotion_allowances(
    order_line_model: type[models.Model],
    allowance_model: type[models.Model],
    *,
    batch_size: int | None = None,
) -> int:
    """Recount every (promotion, shopper) allowance that has order lines, `batch_size`
    pairs (BATCH unless said) per transaction; safe to run again (a recount, not an addition) and while
    checkouts go on: a batch's allowances are created if missing and locked before their
    lines are summed, so a checkout counting units meanwhile waits for the batch (or the
    batch for it) and no units are lost or counted twice. Pairs whose lines were all
    cancelled count 0. Returns the number of pairs recounted."""
    recounted = 0
    for batch in _pairs(order_line_model, batch_size or BATCH):
        recounted += len(batch)
        with transaction.atomic():
            _recount(order_line_model, allowance_model, batch)
    return recounted


def _recount(
    order_line_model: type[models.Model],
    allowance_model: type[models.Model],
    pairs: list[tuple[int, int]],
) -> None:
    promotion_ids = {promotion_id for promotion_id, _ in pairs}  # one, from _pairs
    shopper_ids = {shopper_id for _, shopper_id in pairs}
    allowance_model.objects.bulk_create(
        [allowance_model(promotion_id=p, shopper_id=s, units_used=0) for p, s in pairs],
        ignore_conflicts=True,  # a checkout created it meanwhile, or a run before this one
    )
    wanted = set(pairs)
    # Locked in primary-key order, like every lock of the checkout (no waiting in a cycle).
    allowances = [
        allowance
        for allowance in allowance_model.objects.select_for_update()
        .filter(promotion_id__in=promotion_ids, shopper_id__in=shopper_ids)
        .order_by("pk")
        if (allowance.promotion_id, allowance.shopper_id) in wanted
    ]
    bought = {
        (row["promotion_id"], row["part__order__shopper_id"]): row["units"]
        for row in order_line_model.objects.filter(
            promotion_id__in=promotion_ids, part__order__shopper_id__in=shopper_ids
        )
        .exclude(part__status="cancelled")
        .values("promotion_id", "part__order__shopper_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    }
    for allowance in allowances:
        allowance.units_used = bought.get((allowance.promotion_id, allowance.shopper_id), 0)
    allowance_model.objects.bulk_update(allowances, ["units_used"])
