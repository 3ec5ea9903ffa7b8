"""Livestreams hosted by county officials: the store does not host video (the stream is
an embed or HLS address from a streaming service); it makes the stream sell, and counts
what it sold."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalog.models import County, Product, Vendor
from core.names import in_shoppers_language
from notifications.models import Reminder

# A stream's sales channel on cart items and order lines (orders/channels.py).
CHANNEL_PREFIX = "livestream:"


def stream_channel(stream_id: int) -> str:
    """The sales channel of what is bought from the page of the stream with this id."""
    return f"{CHANNEL_PREFIX}{stream_id}"


class LiveStream(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        LIVE = "live", _("live")
        ENDED = "ended", _("ended")

    title = models.CharField(_("title"), max_length=160)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    host_name = models.CharField(_("host"), max_length=60)
    host_name_en = models.CharField(_("host in English"), max_length=80, blank=True)
    host_title = models.CharField(
        _("host's title"),
        max_length=120,
        help_text=_("For example: the magistrate of Zigui County, a mayor, a news anchor."),
    )
    host_title_en = models.CharField(_("host's title in English"), max_length=160, blank=True)
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="streams", verbose_name=_("county")
    )
    vendors = models.ManyToManyField(
        Vendor, blank=True, related_name="streams", verbose_name=_("vendors")
    )
    scheduled_start = models.DateTimeField(_("scheduled start"), db_index=True)
    scheduled_end = models.DateTimeField(_("scheduled end"), db_index=True)
    stream_url = models.URLField(
        _("stream or embed address"),
        blank=True,
        help_text=_("HLS (.m3u8) or the streaming service's embed page."),
    )
    replay_url = models.URLField(_("replay address"), blank=True)
    cover = models.ImageField(_("cover image"), upload_to="streams/", max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.SCHEDULED, db_index=True
    )
    started_at = models.DateTimeField(_("went live at"), null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, editable=False)
    reminder_minutes = models.PositiveSmallIntegerField(
        _("remind this many minutes before"), default=15
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["scheduled_start", "pk"]
        verbose_name = _("livestream")
        verbose_name_plural = _("livestreams")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scheduled_end__gt=models.F("scheduled_start")),
                name="stream_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("livestream:detail", args=[self.slug])

    @property
    def display_title(self):
        return in_shoppers_language(self.title, self.title_en)

    @property
    def display_host_name(self):
        return in_shoppers_language(self.host_name, self.host_name_en)

    @property
    def display_host_title(self):
        return in_shoppers_language(self.host_title, self.host_title_en)

    @property
    def is_hls(self):
        return self.stream_url.split("?")[0].endswith(".m3u8")

    def clean(self):
        if (
            self.scheduled_start
            and self.scheduled_end
            and self.scheduled_end <= self.scheduled_start
        ):
            raise ValidationError({"scheduled_end": _("The end must be after the start.")})

    @property
    def is_live(self):
        return self.state == self.State.LIVE

    @property
    def channel(self):
        """The sales channel of what is bought from its page (livestream/channels.py)."""
        return stream_channel(self.pk)

    @property
    def phase(self):
        """The one state a shopper sees: "scheduled", "live" (with a player), "starting"
        (live, but its stream address is not set yet), "replay" (ended, with a replay) or
        "ended"."""
        if self.state == self.State.LIVE:
            return "live" if self.stream_url else "starting"
        if self.state == self.State.ENDED:
            return "replay" if self.replay_url else "ended"
        return "scheduled"

    def reminder_due_at(self):
        return self.scheduled_start - timedelta(minutes=self.reminder_minutes)


class FeaturedProduct(models.Model):
    """A product shown on the stream, in order, with an optional price that applies only
    while the stream is live and only to purchases made from the stream's page."""

    stream = models.ForeignKey(
        LiveStream, on_delete=models.CASCADE, related_name="featured", verbose_name=_("livestream")
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    stream_price = models.DecimalField(
        _("stream-only price (CNY)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.01)],
        help_text=_(
            "Only while live, only bought from the stream page; empty for the normal price."
        ),
    )

    class Meta:
        ordering = ["stream", "position", "pk"]
        verbose_name = _("featured product")
        verbose_name_plural = _("featured products")
        constraints = [
            models.UniqueConstraint(fields=["stream", "product"], name="featured_product_once")
        ]

    def __str__(self):
        return f"{self.stream}: {self.product}"

    def clean(self):
        if (
            self.stream_price is not None
            and self.product_id
            and (self.stream_price >= self.product.price)
        ):
            raise ValidationError(
                {
                    "stream_price": _(
                        "A stream price must be below the product's price (¥%(price)s)."
                    )
                    % {"price": self.product.price}
                }
            )


class StreamReminder(Reminder):
    stream = models.ForeignKey(
        LiveStream, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("livestream")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="stream_reminders",
        verbose_name=_("shopper"),
    )

    class Meta:
        verbose_name = _("stream reminder")
        verbose_name_plural = _("stream reminders")
        constraints = [
            models.UniqueConstraint(fields=["stream", "user"], name="stream_reminder_once")
        ]

    def __str__(self):
        return f"{self.stream} → {self.user}"
