"""What shoppers and the beat sweep do with promotions (staff work in the admin)."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog import messages
from catalog.models import Vendor, VendorMember
from catalog.promotions.models import Promotion, PromotionReminder
from catalog.promotions.selectors import products_in_promotion
from catalog.promotions.shown_prices import refresh_after_commit
from catalog.revision import bump_catalog_revision
from notifications.models import Notification
from notifications.reminders import send_due_reminders
from notifications.services import already_told, messages_under, notify

ALREADY_ENDED = _("This promotion has ended.")


def ask_for_reminder(promotion: Promotion, user: AbstractBaseUser) -> PromotionReminder:
    """Tell `user` when `promotion` starts (asking twice is the same as once). Returns
    the reminder, or raises ValidationError when the promotion has ended."""
    if promotion.state_at() == Promotion.State.ENDED:
        raise ValidationError(ALREADY_ENDED, code="ended")
    try:
        with transaction.atomic():
            return PromotionReminder.objects.get_or_create(promotion=promotion, user=user)[0]
    except IntegrityError:  # the same shopper clicked twice at once
        return PromotionReminder.objects.get(promotion=promotion, user=user)


def cancel_reminder(promotion: Promotion, user: AbstractBaseUser) -> None:
    PromotionReminder.objects.filter(promotion=promotion, user=user, sent_at=None).delete()


# What checkouts and the sweep move while staff edit a promotion: a save never writes
# them back (a flash sale's units sold since the form was opened stay sold).
COUNTERS = {"units_sold", "start_noted_at", "end_noted_at", "created_at", "id"}
SCOPES = ("products", "categories", "vendors", "counties")


def save_promotion(
    promotion: Promotion,
    *,
    by: AbstractBaseUser,
    changed_fields: list[str] | None = None,
    scopes: dict | None = None,
) -> Promotion:
    """Staff saved `promotion` (new, or edited: `changed_fields` names what the form
    changed; None: every field) with its `scopes` ({"products": [...], ...}, each set
    when given), in one transaction. An edit writes those fields and none of the
    COUNTERS, so the units checkouts took meanwhile are kept. Its vendors hear of it
    (once per schedule, `tell_vendors_scheduled`) and, after commit, the listings' sort
    prices follow."""
    with transaction.atomic():
        if promotion.pk is None:
            promotion.save()
        else:
            promotion.save(
                update_fields=[
                    f.name
                    for f in Promotion._meta.concrete_fields
                    if f.name not in COUNTERS
                    and (
                        changed_fields is None or f.name in changed_fields or f.name == "updated_at"
                    )
                ]
            )
        for scope, values in (scopes or {}).items():
            getattr(promotion, scope).set(values)
        tell_vendors_scheduled(promotion)
        refresh_after_commit()
    return promotion


def duplicate_promotion(promotion: Promotion, *, by: AbstractBaseUser) -> Promotion:
    """A copy of `promotion` with its scope, for staff to adjust: the same length of time
    right after the original (scheduled, never live next to it: that would double a
    flash sale's cap), none of its units sold, a free slug and "（副本）" after its
    name; its vendors hear of it. One transaction; returns the copy."""
    with transaction.atomic():
        scopes = {scope: list(getattr(promotion, scope).all()) for scope in SCOPES}
        copy = Promotion.objects.get(pk=promotion.pk)
        copy.pk, copy.units_sold = None, 0
        copy.start_noted_at = copy.end_noted_at = None
        length = promotion.ends_at - promotion.starts_at
        copy.starts_at = max(promotion.ends_at, timezone.now())
        copy.ends_at = copy.starts_at + length
        copy.slug = _free_slug(f"{promotion.slug[:68]}-copy")
        copy.name = f"{promotion.name[:112]}（副本）"
        copy.save()
        for scope, values in scopes.items():
            getattr(copy, scope).set(values)
        tell_vendors_scheduled(copy)
    return copy


def _free_slug(base: str) -> str:
    slug, n = base, 1
    while Promotion.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@dataclass
class SweepResult:
    started: int = 0
    ended: int = 0
    reminded: int = 0


def sweep_promotions(now: datetime | None = None) -> "SweepResult":
    """Note the starts and ends that passed, make cached pages re-render, and send the
    "it has started" reminders of running promotions through the outbox.

    Idempotent and safe to run late or twice at once: each start, end and reminder is
    noted in the same transaction as its effect, on rows locked (and skipped by a second
    sweep running at the same moment)."""

    now = now or timezone.now()
    result = SweepResult()
    with transaction.atomic():
        started = list(
            Promotion.objects.select_for_update(skip_locked=True).filter(
                starts_at__lte=now, start_noted_at=None
            )
        )
        ended = list(
            Promotion.objects.select_for_update(skip_locked=True).filter(
                ends_at__lte=now, end_noted_at=None
            )
        )
        Promotion.objects.filter(pk__in=[p.pk for p in started]).update(start_noted_at=now)
        Promotion.objects.filter(pk__in=[p.pk for p in ended]).update(end_noted_at=now)
        result.started, result.ended = len(started), len(ended)

        due = send_due_reminders(
            PromotionReminder.objects.filter(
                promotion__starts_at__lte=now, promotion__ends_at__gt=now
            ),
            about="promotion",
            kind=messages.PROMOTION_STARTED,
            key=lambda promotion: f"promotion-started:{promotion.pk}",
            context=_reminder_context,
            now=now,
        )
        for promotion in started:  # its vendors hear it has started (not if it is over)
            if promotion.ends_at > now:
                tell_vendors_started(promotion)
        result.reminded = len(due)
    if result.started or result.ended:
        bump_catalog_revision()  # pages rendered before the boundary re-render now
    return result


VENDOR_NOTICE_PRODUCTS = 3  # product names a vendor's message lists (then "and N more")


def _reminder_context(promotion: Promotion) -> dict:
    """What a "it has started" reminder says of its promotion."""
    return {
        "promotion": promotion.name,
        "promotion_en": promotion.name_en,
        "ends_at": timezone.localtime(promotion.ends_at).strftime("%Y-%m-%d %H:%M"),
        "path": promotion.get_absolute_url(),
    }


def tell_vendors_scheduled(promotion: Promotion) -> int:
    """Each vendor with a product the promotion discounts hears it is scheduled (staff
    saved it in the admin): once per vendor for each schedule (its start, end, kind and
    value), however often it is saved; moved or changed, it is told again, once, that it
    was rescheduled; a vendor that a later edit brings into its scope hears of it then.
    Once it has started (the sweep's message tells of that), a vendor hears of a new end,
    kind or value (or that its products are now in it), once, with what changed; a save
    that changes none of that tells nobody. Nothing once it has ended."""
    now = timezone.now()
    if promotion.starts_at > now:
        return _tell_vendors(
            promotion,
            messages.VENDOR_PROMO_PLANNED,
            f"promo-planned:{promotion.pk}:{_schedule_mark(promotion)}",
            decide=_planned_news,
        )
    if promotion.ends_at > now or promotion.end_noted_at is None:  # running, or cut short now
        return _tell_vendors(
            promotion,
            messages.VENDOR_PROMO_CHANGED,
            f"promo-changed:{promotion.pk}:{_schedule_mark(promotion)}",
            decide=_running_news,
        )
    return 0


def _planned_news(
    promotion: Promotion, context: dict[str, Any], last: Notification | None
) -> tuple[str, dict[str, Any]]:
    """A coming promotion: told before (of other dates or discount), it was rescheduled."""
    return "", {"rescheduled": last is not None}


def _running_news(
    promotion: Promotion, context: dict[str, Any], last: Notification | None
) -> tuple[str, dict[str, Any]] | None:
    """A running promotion: what changed since the vendor's last message about it (None:
    nothing it would notice). The key names that message, so going back to an earlier
    end is news again, and two saves racing write it once."""
    if last is None:
        return ":0", {"joined": True}
    was = last.context
    changes = {
        "new_end": was.get("ends_at") != context["ends_at"],
        "new_offer": (
            was.get("offer", {}).get("kind") != promotion.kind
            or Decimal(was.get("offer", {}).get("value", "0")).normalize()
            != Decimal(promotion.value).normalize()
        ),
    }
    if not any(changes.values()):
        return None
    return f":{last.pk}", {
        **changes,
        "was_ends_at": was.get("ends_at"),
        "was_offer": was.get("offer"),
    }


def _schedule_mark(promotion: Promotion) -> str:
    """A short mark of what a vendor is told of a promotion's schedule: another start,
    end, kind or value gives another mark (the dedupe keys stay within their length)."""
    told = "|".join(
        [
            promotion.starts_at.isoformat(),
            promotion.ends_at.isoformat(),
            promotion.kind,
            str(Decimal(promotion.value).normalize()),
        ]
    )
    return hashlib.sha256(told.encode()).hexdigest()[:12]


def tell_vendors_started(promotion: Promotion) -> int:
    """Each vendor with a product the running promotion discounts hears it has started
    (the sweep, once it notes the start): once per vendor."""
    return _tell_vendors(promotion, messages.VENDOR_PROMO_STARTED, f"promo-started:{promotion.pk}")


def _tell_vendors(
    promotion: Promotion,
    kind: str,
    key: str,
    decide: Callable[
        [Promotion, dict[str, Any], Notification | None], tuple[str, dict[str, Any]] | None
    ]
    | None = None,
) -> int:
    """Write one message per vendor and member through the outbox, in this transaction,
    naming the promotion, its dates, its discount and the vendor's affected products
    (its published products in the scope); vendors already told are skipped (the dedupe
    key, unique, holds should two saves race). `decide(promotion, context, last)`, given
    the last message a member had about this promotion (or None), says what to add to
    the key and the context, or None to tell that member nothing. Returns how many
    messages were written."""

    products = {}
    for vendor_id, name, name_en in (
        products_in_promotion(promotion)
        .order_by("vendor_id", "name", "pk")
        .values_list("vendor_id", "name", "name_en")
    ):
        products.setdefault(vendor_id, []).append([name, name_en])
    members = {}
    for vendor_id, user_id in (
        VendorMember.objects.filter(vendor_id__in=products)
        .order_by("pk")
        .values_list("vendor_id", "user_id")
    ):
        members.setdefault(vendor_id, []).append(user_id)
    told = already_told(
        f"{key}:{vendor_id}:{user_id}"
        for vendor_id, user_ids in members.items()
        for user_id in user_ids
    )
    last = _last_told(promotion, members) if decide else {}
    vendors = {
        pk: names
        for pk, *names in Vendor.objects.filter(pk__in=members).values_list("pk", "name", "name_en")
    }
    when = {
        moment: timezone.localtime(getattr(promotion, moment)).strftime("%Y-%m-%d %H:%M")
        for moment in ("starts_at", "ends_at")
    }
    written = 0
    for vendor_id, user_ids in members.items():
        context = {
            "promotion": promotion.name,
            "promotion_en": promotion.name_en,
            **when,
            "offer": {"kind": promotion.kind, "value": str(promotion.value)},
            "vendor": vendors[vendor_id][0],
            "vendor_en": vendors[vendor_id][1],
            "product_count": len(products[vendor_id]),
            # Names for readers of Chinese, and of English (render_notification picks).
            "products": [name for name, _ in products[vendor_id][:VENDOR_NOTICE_PRODUCTS]],
            "products_en": [
                name_en or name for name, name_en in products[vendor_id][:VENDOR_NOTICE_PRODUCTS]
            ],
            "more": max(0, len(products[vendor_id]) - VENDOR_NOTICE_PRODUCTS),
            "path": reverse("vendor:home"),
        }
        batches = {}  # (key, what is added to the context) -> members
        for user_id in user_ids:
            news = (
                decide(promotion, context, last.get((vendor_id, user_id))) if decide else ("", {})
            )
            if news is None:
                continue
            suffix, extra = news
            batch_key = f"{key}{suffix}:{vendor_id}"
            if f"{batch_key}:{user_id}" in told:
                continue
            batches.setdefault((batch_key, repr(sorted(extra.items()))), (extra, []))[1].append(
                user_id
            )
        for (batch_key, _extra), (extra, batch) in batches.items():
            try:
                with transaction.atomic():  # a save racing this one wrote them: nothing lost
                    written += len(notify(batch, kind, key=batch_key, context={**context, **extra}))
            except IntegrityError:
                continue
    return written


def _last_told(
    promotion: Promotion, members: dict[int, list[int]]
) -> dict[tuple[int, int], Notification]:
    """{(vendor id, user id): the last message to that member about `promotion`}, from
    the keys the vendors' messages are written under ("promo-<what>:<promotion>:...:
    <vendor>:<user>")."""
    last = {}
    users = {user_id for user_ids in members.values() for user_id in user_ids}
    for message in messages_under(
        [f"promo-{what}:{promotion.pk}:" for what in ("planned", "started", "changed")],
        user_ids=users,
    ):
        *_rest, vendor_id, user_id = message.dedupe_key.split(":")
        last[(int(vendor_id), int(user_id))] = message
    return last
