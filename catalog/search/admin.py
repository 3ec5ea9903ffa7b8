"""Staff's tools for search: the synonyms, and a read-only view of the dictionary
misspellings are corrected against."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalog.models import SearchSynonym, SearchWord


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    list_display = ["terms", "note", "is_active", "updated_at"]
    list_filter = ["is_active"]
    list_editable = ["is_active"]
    search_fields = ["terms", "note"]
    fieldsets = [
        (
            None,
            {
                "fields": ["terms", "note", "is_active"],
                "description": _(
                    "A search for any of the words also finds products named by the others, "
                    "both ways, from the next search on: no product is rebuilt."
                ),
            },
        )
    ]


@admin.register(SearchWord)
class SearchWordAdmin(admin.ModelAdmin):
    list_display = ["word", "products"]
    search_fields = ["word"]
    ordering = ["-products", "word"]
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
