"""Response headers that tell the browser what a page may do: Content-Security-Policy
(django-csp) and Permissions-Policy (Django has no setting for it).

The policy is the same for every response of a path, never a per-request nonce: catalog
pages are stored whole in the page cache (catalog/page_cache.py) and served to everyone,
so a nonce in them would be everyone's. Scripts and styles therefore come from the site's
own files ('self'); templates hold no inline script, event handler or style.
"""

from csp.middleware import CSPMiddleware
from django.conf import settings


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, plus CONTENT_SECURITY_POLICY_PATH_UPDATES: sources added
    to the policy for the paths under a prefix (the admin's inline styles)."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only:
            return parts
        for prefix, update in settings.CONTENT_SECURITY_POLICY_PATH_UPDATES.items():
            if request.path_info.startswith(prefix):
                merged = {key: list(values) for key, values in (parts.update or {}).items()}
                for key, values in update.items():
                    merged[key] = [*merged.get(key, ()), *values]
                parts.update = merged
        return parts


class PermissionsPolicyMiddleware:
    """Sets Permissions-Policy from PERMISSIONS_POLICY ({feature: [origins]}; an empty
    list turns the feature off for the page and everything it embeds)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})"
            for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
