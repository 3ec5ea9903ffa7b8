from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalog"
    verbose_name = _("Catalog")

    def ready(self):
        from django.db.models.signals import post_delete

        from catalog import messages, page_cache  # noqa: F401  (page_cache: the cache invalidation)
        from catalog.images import photo_deleted

        post_delete.connect(
            photo_deleted, sender="catalog.ProductImage", dispatch_uid="photo-files"
        )
        messages.register_kinds()
