"""The admin's freight templates: a shop's template with its rates inline. Saving one
rewrites the shop's listing cards' 包邮 flags, as the dashboard's services do."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from catalog.admin_widgets import AutocompleteAdminMixin
from orders.shipping.models import FreightRate, FreightTemplate
from orders.shipping.provinces import is_province
from orders.shipping.services import templates as services

NEEDS_A_DEFAULT = _(
    "The shop needs a default template: keep this one the default, or make another one "
    "the default first."
)


class FreightTemplateAdminForm(forms.ModelForm):
    class Meta:
        model = FreightTemplate
        fields = ["vendor", "name", "basis", "cold_chain", "not_served", "is_default"]

    def clean(self):
        cleaned = super().clean()
        vendor = cleaned.get("vendor") or getattr(self.instance, "vendor", None)
        if vendor is not None and not cleaned.get("is_default"):
            others = vendor.freight_templates.filter(is_default=True)
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            if not others.exists():
                self.add_error("is_default", NEEDS_A_DEFAULT)
        return cleaned

    def clean_not_served(self):
        """A JSON list of province names as the address book writes them (湖北省)."""
        value = self.cleaned_data["not_served"] or []
        if not isinstance(value, list):
            raise forms.ValidationError(services.NOT_A_PROVINCE, params={"province": value})
        for province in value:
            if not isinstance(province, str) or not is_province(province):
                raise forms.ValidationError(services.NOT_A_PROVINCE, params={"province": province})
        return value


class FreightRateInline(admin.TabularInline):
    model = FreightRate
    extra = 0
    # A template with no rate delivers nowhere: the dashboard refuses it, and so does this.
    min_num = 1

    def get_formset(self, request, obj=None, **kwargs):
        return super().get_formset(request, obj, validate_min=True, **kwargs)

    fields = ["group", "first_units", "first_fee", "extra_fee", "free_over", "free_under_g"]


@admin.register(FreightTemplate)
class FreightTemplateAdmin(AutocompleteAdminMixin, admin.ModelAdmin):
    form = FreightTemplateAdminForm
    list_display = ["vendor", "name", "basis", "cold_chain", "is_default", "updated_at"]
    list_filter = ["basis", "cold_chain", "is_default"]
    list_select_related = ["vendor"]
    search_fields = ["vendor__name", "vendor__name_en", "name"]
    autocomplete_fields = ["vendor"]
    inlines = [FreightRateInline]

    def get_readonly_fields(self, request, obj=None):
        # A template stays with its shop: its products' links and the shop's cards follow it.
        return ["vendor"] if obj is not None else []

    def save_related(self, request, form, formsets, change):
        # The rates are saved here, after the template: only now do the flags follow.
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            services.refresh_card_flags(form.instance.vendor)

    def delete_model(self, request, obj):
        with transaction.atomic():
            super().delete_model(request, obj)
            services.refresh_card_flags(obj.vendor)

    def delete_queryset(self, request, queryset):
        vendors = {template.vendor for template in queryset.select_related("vendor")}
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            for vendor in vendors:
                services.refresh_card_flags(vendor)
