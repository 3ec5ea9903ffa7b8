"""What shoppers and the beat sweep do with promotions (staff work in the admin)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Promotion, PromotionReminder
from catalog.page_cache import bump_catalog_revision
from hubei_market.db import update_by_ids

ALREADY_ENDED = _("This promotion has ended.")


def ask_for_reminder(promotion, user):
    """Tell `user` when `promotion` starts (asking twice is the same as once). Returns
    the reminder, or raises ValidationError when the promotion has ended."""
    if promotion.state_at() == Promotion.State.ENDED:
        raise ValidationError(ALREADY_ENDED, code="ended")
    try:
        with transaction.atomic():
            return PromotionReminder.objects.get_or_create(promotion=promotion, user=user)[0]
    except IntegrityError:  # the same shopper clicked twice at once
        return PromotionReminder.objects.get(promotion=promotion, user=user)


def cancel_reminder(promotion, user):
    PromotionReminder.objects.filter(promotion=promotion, user=user, sent_at=None).delete()


@dataclass
class SweepResult:
    started: int = 0
    ended: int = 0
    reminded: int = 0


def sweep_promotions(now=None):
    """Note the starts and ends that passed, make cached pages re-render, and send the
    "it has started" reminders of running promotions through the outbox.

    Idempotent and safe to run late or twice at once: each start, end and reminder is
    noted in the same transaction as its effect, on rows locked (and skipped by a second
    sweep running at the same moment)."""
    from orders.models import Notification
    from orders.notifications import notify_users

    now = now or timezone.now()
    result = SweepResult()
    with transaction.atomic():
        started = list(Promotion.objects.select_for_update(skip_locked=True)
                       .filter(starts_at__lte=now, start_noted_at=None))
        ended = list(Promotion.objects.select_for_update(skip_locked=True)
                     .filter(ends_at__lte=now, end_noted_at=None))
        Promotion.objects.filter(pk__in=[p.pk for p in started]).update(start_noted_at=now)
        Promotion.objects.filter(pk__in=[p.pk for p in ended]).update(end_noted_at=now)
        result.started, result.ended = len(started), len(ended)

        due = list(
            PromotionReminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(sent_at=None, promotion__starts_at__lte=now, promotion__ends_at__gt=now)
            .select_related("promotion")
        )
        for promotion in {r.promotion for r in due}:
            users = [r.user_id for r in due if r.promotion_id == promotion.pk]
            notify_users(users, Notification.Kind.PROMOTION_STARTED,
                         key=f"promotion-started:{promotion.pk}",
                         context={"promotion": promotion.name,
                                  "promotion_en": promotion.name_en,
                                  "ends_at": timezone.localtime(promotion.ends_at)
                                  .strftime("%Y-%m-%d %H:%M"),
                                  "path": promotion.get_absolute_url()})
        update_by_ids(PromotionReminder, [r.pk for r in due], sent_at=now)
        result.reminded = len(due)
    if result.started or result.ended:
        bump_catalog_revision()  # pages rendered before the boundary re-render now
    return result
