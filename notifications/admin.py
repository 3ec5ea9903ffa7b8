from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications import kinds
from notifications.models import LanguagePreference, Notification, PasswordResetRequest


class KindFilter(admin.SimpleListFilter):
    """The kinds the apps declared (the column has no choices of its own)."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return kinds.choices()

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, read-only: what was sent, what is still pending and why."""

    list_display = [
        "created_at",
        "kind_label",
        "recipient",
        "link",
        "state",
        "attempts",
        "last_error",
        "sent_at",
    ]
    list_filter = ["state", KindFilter]
    list_select_related = ["recipient"]
    # An order's messages carry its number (orders/messages.py): staff search by it.
    search_fields = [
        "recipient__username",
        "recipient__email",
        "dedupe_key",
        "context__order_number",
    ]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, notification):
        return notification.get_kind_display()


@admin.register(PasswordResetRequest)
class PasswordResetRequestAdmin(admin.ModelAdmin):
    """Reset requests the worker has not expanded yet: a list that grows means no worker
    (or no beat) is running. Read-only: the code writes them."""

    list_display = ["created_at", "email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LanguagePreference)
class LanguagePreferenceAdmin(admin.ModelAdmin):
    """The language each person's messages are written in (the one they signed up in,
    then the one they last chose). Read-only: the language switch writes it."""

    list_display = ["user", "language", "updated_at"]
    list_filter = ["language"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
