from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from catalog.admin_widgets import AutocompleteAdminMixin
from livestream import services
from livestream.models import FeaturedProduct, LiveStream, StreamReminder


class LiveStreamForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        # The vendors as posted, for the featured products' rows (validated after this
        # form, before anything is saved): vendors and products change in one save.
        self.instance.posted_vendors = data.get("vendors")
        return data


class FeaturedProductFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        vendors = getattr(self.instance, "posted_vendors", None)
        if vendors is None:  # the stream's own form refused them; it says why
            return
        vendor_ids = {vendor.pk for vendor in vendors}
        for form in self.forms:
            product = getattr(form, "cleaned_data", {}).get("product")
            if product is None or self._should_delete_form(form):
                continue
            try:
                services.refuse_another_vendors_product(product, vendor_ids)
            except ValidationError as error:
                form.add_error("product", error)


class FeaturedProductInline(AutocompleteAdminMixin, admin.TabularInline):
    model = FeaturedProduct
    formset = FeaturedProductFormSet
    extra = 1
    autocomplete_fields = ["product"]
    fields = ["position", "product", "stream_price"]


@admin.register(LiveStream)
class LiveStreamAdmin(AutocompleteAdminMixin, admin.ModelAdmin):
    form = LiveStreamForm
    list_display = [
        "title",
        "host_name",
        "host_title",
        "county",
        "scheduled_start",
        "scheduled_end",
        "state",
    ]
    list_filter = ["state", "county__prefecture"]
    list_select_related = ["county"]
    search_fields = ["title", "title_en", "host_name", "slug"]
    date_hierarchy = "scheduled_start"
    prepopulated_fields = {"slug": ["title_en"]}
    autocomplete_fields = ["county", "vendors"]
    readonly_fields = ["state", "started_at", "ended_at", "created_at", "updated_at"]
    inlines = [FeaturedProductInline]
    actions = ["go_live", "end_stream"]

    @admin.action(description=_("Go live now"))
    def go_live(self, request, queryset):
        self._move(request, queryset, services.go_live)

    @admin.action(description=_("End now"))
    def end_stream(self, request, queryset):
        self._move(request, queryset, services.end_stream)

    def _move(self, request, queryset, service):
        for stream in queryset:
            try:
                moved = service(stream)
            except ValidationError as error:
                self.message_user(request, f"{stream}: {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{moved}: {moved.get_state_display()}")
                self.log_change(request, moved, moved.get_state_display())


@admin.register(StreamReminder)
class StreamReminderAdmin(admin.ModelAdmin):
    list_display = ["stream", "user", "created_at", "sent_at"]
    list_select_related = ["stream", "user"]
    list_filter = ["sent_at"]
    readonly_fields = ["stream", "user", "created_at", "sent_at"]

    def has_add_permission(self, request):
        return False
