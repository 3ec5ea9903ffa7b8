"""The admin's autocomplete fields, answering a value that is not an id with the empty
field rather than a server error.

Django's autocomplete widgets look up the selected ids to show their labels, with
whatever the request held: `?vendor=abc` on an add page, or a posted form re-rendered
with its errors, made that lookup raise (a 500 for staff). Values the related key cannot
hold are left out of the lookup; the form itself still refuses them with its own message.
Every ModelAdmin and inline with `autocomplete_fields` takes `AutocompleteAdminMixin`.
"""

from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError


class _SelectedIdsOnly:
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if self._is_a_key(v)], attr)

    def _is_a_key(self, value):
        remote = self.field.remote_field
        key = remote.model._meta.get_field(
            getattr(remote, "field_name", None) or remote.model._meta.pk.name)
        try:
            key.to_python(value)
        except ValidationError:
            return False
        return True


class SafeAutocompleteSelect(_SelectedIdsOnly, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_SelectedIdsOnly, AutocompleteSelectMultiple):
    pass


class AutocompleteAdminMixin:
    """For ModelAdmin and InlineModelAdmin: their `autocomplete_fields` use the widgets
    above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site,
                                                      using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site,
                                                              using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)
