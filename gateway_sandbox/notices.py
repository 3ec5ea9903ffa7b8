"""The sandbox's asynchronous notifications: POSTed to the store's notify_url after a
payment, and again on the protocol's schedule until the store answers that it took it."""

from datetime import timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from gateway_sandbox.models import SandboxNotice
from gateway_sandbox.protocols import protocol_for

DUE_BATCH = 100


def deliver(notice_id: int) -> bool:
    """One attempt at one notice; True once the store has it. The notice is claimed for
    the attempt (its next time moved on first), so two workers never send it at once."""
    now = timezone.now()
    with transaction.atomic():
        notice = SandboxNotice.objects.select_related("trade").filter(pk=notice_id).first()
        if notice is None or notice.delivered_at is not None:
            return True
        protocol = protocol_for(notice.trade.gateway)
        delays = protocol.retry_after
        delay = delays[min(notice.attempts, len(delays) - 1)]
        claimed = SandboxNotice.objects.filter(
            Q(next_attempt_at__lte=now) | Q(attempts=0),
            pk=notice.pk,
            attempts=notice.attempts,
            delivered_at__isnull=True,
        ).update(attempts=notice.attempts + 1, next_attempt_at=now + timedelta(seconds=delay))
    if not claimed:
        return False
    headers, body = protocol.notification(notice.trade)
    try:
        response = requests.post(
            notice.trade.notify_url,
            data=body,
            headers=headers,
            timeout=settings.PAYMENT_GATEWAY_TIMEOUT,
        )
        ok = protocol.acknowledged(response.status_code, response.text)
        result = f"{response.status_code} {response.text[:200]}"
    except requests.RequestException as error:
        ok, result = False, f"{type(error).__name__}: {error}"[:300]
    SandboxNotice.objects.filter(pk=notice.pk).update(
        last_result=result, delivered_at=timezone.now() if ok else None
    )
    return ok


def due_notices() -> list[int]:
    return list(
        SandboxNotice.objects.filter(delivered_at__isnull=True, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:DUE_BATCH]
    )
