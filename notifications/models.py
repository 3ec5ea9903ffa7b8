from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications import kinds


class Notification(models.Model):
    """The outbox: a message someone must get, written in the same transaction as the
    change it tells of, and delivered by Celery (email + the site's inbox) until sent.
    Its kind is declared by the app that sends it (notifications.kinds)."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40)
    # What the message needs to be rendered: names, a reason, the ids of the rows it is
    # about (an order's messages carry `order_id` and `part_id`, loaded at delivery).
    context = models.JSONField(_("context"), default=dict, blank=True)
    # Where the inbox sends its reader (a path on the site); empty for no link.
    link = models.CharField(_("link"), max_length=200, blank=True)
    # Written by the worker when it delivers (rendering is not the checkout's job).
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"), blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    # A worker delivering it holds it until then; a dead worker's claim simply expires.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=120, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # When its recipient opened the inbox with it there; until then the header counts it.
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        db_table = "orders_notification"
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        # The worker's two questions, "the oldest pending by id" (delivery) and "pending
        # since before…" (the beat sweep), answered from the pending rows alone, in order,
        # however many messages were sent before: with any state value, so a statement
        # PostgreSQL planned once for all values (a prepared one) still reads only those.
        indexes = [
            models.Index(fields=["state", "id"], name="notification_state_id"),
            models.Index(fields=["state", "created_at"], name="notification_state_created"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"

    def get_kind_display(self) -> str:
        return kinds.label(self.kind)

    @property
    def link_label(self) -> str:
        """The words of the inbox's link, as the message's kind declares them."""
        try:
            label = kinds.get(self.kind).link_label
        except KeyError:
            return ""
        return label(self) if callable(label) else (label or "")


class LanguagePreference(models.Model):
    """The language a person reads the store in: the one they signed up in, then the
    one they last chose with the switch. Their messages are written in it, and signing
    in on another device brings it along. No row: settings.LANGUAGE_CODE."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_preference"
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "orders_languagepreference"
        verbose_name = _("language preference")
        verbose_name_plural = _("language preferences")

    def __str__(self):
        return f"{self.user}: {self.language}"


class PasswordResetRequest(models.Model):
    """Someone asked for a password reset link for this email. The request writes only
    this row, whether or not an account has the email, so its work (and time) tells
    nothing; the worker finds the accounts, writes their messages and deletes the row
    (notifications.password_reset.expand_password_reset_requests)."""

    # As typed: the worker matches it as Django's PasswordResetForm does (any case).
    email = models.EmailField(_("email"), max_length=254)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "orders_passwordresetrequest"
        ordering = ["id"]
        verbose_name = _("password reset request")
        verbose_name_plural = _("password reset requests")

    def __str__(self):
        return f"{self.email} ({self.created_at:%Y-%m-%d %H:%M})"


class Reminder(models.Model):
    """What every "tell me when it starts" row has (a promotion's, a stream's): when it
    was asked for and when it was sent. Each app's concrete reminder adds the foreign key
    to what it is about and its `user` (notifications.reminders sends the due ones)."""

    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        abstract = True
