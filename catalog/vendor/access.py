"""Who may use the vendor dashboard, for which shop, and whether they may change it.

Every dashboard view is wrapped in `vendor_view`: it finds the shop the signed-in user
is a member of (the one chosen in the session when there are several), sets
`request.vendor` and `request.vendor_member`, and refuses every write (any POST) when the
shop is not approved, and refuses owners' pages to other members: a suspended shop's dashboard is read-only. Views then reach objects
only through querysets filtered by `request.vendor`, so another shop's ids are a 404.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from catalog.models import Vendor, VendorMember

SESSION_VENDOR_KEY = "vendor_id"
READ_ONLY = {
    Vendor.Status.SUSPENDED: _(
        "Your shop is suspended, so the dashboard is read-only. "
        "Contact the zone's staff to have it reinstated."
    ),
}
NOT_APPROVED = _("Your shop is not approved, so the dashboard is read-only.")
OWNERS_ONLY = _("Only the shop's owner can do this.")


def memberships_of(user):
    return list(
        VendorMember.objects.filter(user=user)
        .select_related("vendor__county")
        .order_by("vendor__name", "vendor_id")
    )


def current_membership(request):
    """The membership whose shop this request works on, or None."""
    memberships = memberships_of(request.user)
    chosen = request.session.get(SESSION_VENDOR_KEY)
    for membership in memberships:
        if membership.vendor_id == chosen:
            return membership, memberships
    return (memberships[0] if memberships else None), memberships


def refuse(request, message, status=403):
    return render(request, "vendor/refused.html", {"message": message}, status=status)


def vendor_view(view=None, *, owner_only=False):
    """Decorate a dashboard view (see the module docstring)."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            membership, memberships = current_membership(request)
            if membership is None:
                return redirect("vendor:apply")
            request.vendor, request.vendor_member = membership.vendor, membership
            request.vendor_memberships = memberships
            if owner_only and membership.role != VendorMember.Role.OWNER:
                return refuse(request, OWNERS_ONLY)
            if request.method == "POST" and membership.vendor.status != Vendor.Status.APPROVED:
                return refuse(request, READ_ONLY.get(membership.vendor.status, NOT_APPROVED))
            return view(request, *args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate
