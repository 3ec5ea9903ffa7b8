"""What shoppers said of what they received: one review per order line, written once
receipt is confirmed, with stars, text, photos and one follow-up (追评); the shop's one
public reply; staff hide abusive ones with a reason the author sees."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, Vendor
from orders.models import OrderLine

MAX_STARS = 5
MAX_PHOTOS = 6
TEXT_MAX_LENGTH = 500
REPLY_MAX_LENGTH = 500


class ReviewQuerySet(models.QuerySet):
    def shown(self):
        """What shoppers see: reviews staff have not hidden."""
        return self.filter(hidden_at__isnull=True)


class Review(models.Model):
    line = models.OneToOneField(
        OrderLine, on_delete=models.CASCADE, related_name="review", verbose_name=_("order line")
    )
    # Null once the product is deleted; the line keeps what was bought.
    product = models.ForeignKey(
        Product,
        on_delete=models.SET_NULL,
        null=True,
        related_name="reviews",
        verbose_name=_("product"),
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("shop")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("author"),
    )
    stars = models.PositiveSmallIntegerField(
        _("stars"), validators=[MinValueValidator(1), MaxValueValidator(MAX_STARS)]
    )
    text = models.TextField(_("review"), max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True, db_index=True)
    # The author's one follow-up (追评), written later.
    follow_up = models.TextField(_("follow-up"), max_length=TEXT_MAX_LENGTH, blank=True)
    follow_up_at = models.DateTimeField(_("follow-up written at"), null=True, blank=True)
    # The shop's one public reply.
    reply = models.TextField(_("shop's reply"), max_length=REPLY_MAX_LENGTH, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replied by"),
    )
    # Hidden by staff (abusive): gone from every page and average; the author sees why.
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stars__gte=1) & models.Q(stars__lte=MAX_STARS),
                name="review_stars_1_to_5",
            ),
        ]
        indexes = [
            models.Index(
                fields=["product", "-created_at"],
                condition=models.Q(hidden_at__isnull=True),
                name="review_shown_by_product",
            ),
            models.Index(
                fields=["vendor", "-created_at"],
                condition=models.Q(hidden_at__isnull=True),
                name="review_shown_by_vendor",
            ),
        ]

    def __str__(self):
        return f"{self.stars}★ {self.line}"

    @property
    def photos_with_follow_up(self) -> list:
        """The photos added with the follow-up (from `photos`, prefetched or not)."""
        return [photo for photo in self.photos.all() if photo.with_follow_up]

    @property
    def is_hidden(self):
        return self.hidden_at is not None


class ReviewPhoto(models.Model):
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="photos", verbose_name=_("review")
    )
    # Both files are written like product photos (catalog.images: pixels only, re-encoded).
    image = models.ImageField(_("image"), upload_to="reviews/", max_length=200)
    thumbnail = models.ImageField(_("thumbnail"), upload_to="reviews/thumbs/", max_length=200)
    # Sent with the follow-up rather than the review.
    with_follow_up = models.BooleanField(_("with the follow-up"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["with_follow_up", "position", "id"]
        verbose_name = _("review photo")
        verbose_name_plural = _("review photos")

    def __str__(self):
        return self.image.name
