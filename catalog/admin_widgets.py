"""The admin's autocomplete fields, answering a value that is not an id with the empty
field rather than a server error.

Django's autocomplete widgets look up the selected ids to show their labels, with
whatever the request held: `?vendor=abc` on an add page, or a posted form re-rendered
with its errors, made that lookup raise (a 500 for staff). Values the related key cannot
hold are left out of the lookup; the form itself still refuses them with its own message.
Every ModelAdmin and inline with `autocomplete_fields` takes `AutocompleteAdminMixin`.

A ModelAdmin that takes `LabelledAutocompleteMixin` labels its objects in every picker
pointing at it (search results and the chosen ones) with its `autocomplete_label(obj)`,
so that two products of the same name from different shops can be told apart.
"""

from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.urls import path, reverse


class _SelectedIdsOnly:
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if self._is_a_key(v)], attr)

    def _is_a_key(self, value):
        remote = self.field.remote_field
        key = remote.model._meta.get_field(
            getattr(remote, "field_name", None) or remote.model._meta.pk.name
        )
        try:
            key.to_python(value)
        except ValidationError:
            return False
        return True


class _LabelledUrl:
    """Asks the target ModelAdmin's own autocomplete view (LabelledAutocompleteMixin)."""

    def get_url(self):
        opts = self.field.remote_field.model._meta
        return reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_autocomplete")


class SafeAutocompleteSelect(_SelectedIdsOnly, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_SelectedIdsOnly, AutocompleteSelectMultiple):
    pass


class LabelledAutocompleteSelect(_LabelledUrl, SafeAutocompleteSelect):
    pass


class LabelledAutocompleteSelectMultiple(_LabelledUrl, SafeAutocompleteSelectMultiple):
    pass


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(*getattr(self.model_admin, "autocomplete_select_related", ()))
        )

    def serialize_result(self, obj, to_field_name):
        label = getattr(self.model_admin, "autocomplete_label", str)
        return {"id": str(getattr(obj, to_field_name)), "text": label(obj)}


class LabelledAutocompleteMixin:
    """For a ModelAdmin others pick from: `autocomplete_label(obj)` is the label shown,
    `autocomplete_select_related` what it reads, in one query for all results."""

    autocomplete_select_related = ()

    def autocomplete_label(self, obj):
        return str(obj)

    def get_urls(self):
        opts = self.model._meta
        view = self.admin_site.admin_view(
            LabelledAutocompleteJsonView.as_view(admin_site=self.admin_site)
        )
        return [
            path("autocomplete/", view, name=f"{opts.app_label}_{opts.model_name}_autocomplete"),
            *super().get_urls(),
        ]


class AutocompleteAdminMixin:
    """For ModelAdmin and InlineModelAdmin: their `autocomplete_fields` use the widgets
    above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self._labelled(
            db_field,
            request,
            kwargs,
            super().formfield_for_foreignkey,
            SafeAutocompleteSelect,
            LabelledAutocompleteSelect,
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return self._labelled(
            db_field,
            request,
            kwargs,
            super().formfield_for_manytomany,
            SafeAutocompleteSelectMultiple,
            LabelledAutocompleteSelectMultiple,
        )

    def _labelled(self, db_field, request, kwargs, formfield, widget, labelled_widget):
        target = self.admin_site._registry.get(db_field.related_model)
        labelled = isinstance(target, LabelledAutocompleteMixin)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = (labelled_widget if labelled else widget)(
                db_field,
                self.admin_site,
                using=kwargs.get("using"),
                attrs={"data-width": "28em"} if labelled else None,
            )  # room for the label
        field = formfield(db_field, request, **kwargs)
        if labelled and field is not None:
            # The chosen objects are labelled as the search results are, in one query.
            field.label_from_instance = target.autocomplete_label
            field.queryset = field.queryset.select_related(*target.autocomplete_select_related)
        return field
