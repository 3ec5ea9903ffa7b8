"""The order page's review action under each received line (orders/line_actions.py):
"评价 / Review", "追评 / Add follow-up", or "已评价 / Reviewed". Registered in
ReviewsConfig.ready()."""

from django.utils import timezone

from orders.line_actions import LineAction
from orders.models import Order
from reviews.models import Review
from reviews.windows import line_review, received_at

TEMPLATE = "reviews/partials/line_action.html"


def order_line_reviews(order: Order) -> dict[int, LineAction]:
    """One query for the order's reviews however many lines. A product bought in
    portions (a line at the offer price, the rest at the next-best price) is one row of
    the page and is reviewed once, on its first line. No query before anything is
    received."""
    received_parts = [part for part in order.parts.all() if received_at(part) is not None]
    if not received_parts:
        return {}
    reviews = {
        review.line_id: review
        for review in Review.objects.filter(line__part__order=order).only(
            "pk", "line_id", "stars", "follow_up_at", "hidden_at"
        )
    }
    now = timezone.now()
    actions = {}
    for part in received_parts:
        rows: dict[tuple, list] = {}
        for line in part.lines.all():
            rows.setdefault((line.product_id, line.product_name, line.pack_size), []).append(line)
        for lines in rows.values():
            review = next((reviews[line.pk] for line in lines if line.pk in reviews), None)
            state = line_review(part, review, now=now)
            if state.review is None and not state.can_write:
                continue
            actions[review.line_id if review else lines[0].pk] = LineAction(
                template=TEMPLATE, data=state
            )
    return actions
