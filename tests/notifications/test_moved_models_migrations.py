"""The notifications app adopted orders' outbox, reset requests and language
preferences (notifications 0001), carried each message's order and part into its
context and link (0002) before dropping their columns (0003); their content types
follow them (0004), so staff's permissions and the admin's history stay theirs; the old
admin addresses redirect."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import OrderFactory, UserFactory

ADOPTED = ("notifications", "0001_initial")
COLUMNS_DROPPED = ("notifications", "0003_drop_order_and_part_columns")
BEFORE = [COLUMNS_DROPPED]
MOVED = [("notifications", "0004_content_types_follow_models")]
MODELS = ["languagepreference", "notification", "passwordresetrequest"]


def _migrate(target):
    """Migrate the test database to `target` ([(app, migration)]; None: every leaf)."""
    executor = MigrationExecutor(connection)
    executor.migrate(target or executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()
    return executor


def _apps(target):
    """Migrate to `target` and return the historical models there."""
    executor = _migrate(target)
    executor.loader.build_graph()
    return executor.loader.project_state(target).apps


def _codenames(holder_permissions):
    return sorted(holder_permissions.values_list("content_type__app_label", "codename"))


def _labels():
    return sorted(ContentType.objects.filter(model__in=MODELS).values_list("app_label", "model"))


@pytest.mark.django_db(transaction=True)
def test_an_upgraded_database_keeps_the_staff_groups_permissions_on_the_moved_models(
    client, django_user_model
):
    try:
        _migrate(BEFORE)  # back: the content types are orders' again, as before the move
        old_labels = _labels()
        support = Group.objects.create(name="support")
        support.permissions.add(
            Permission.objects.get(content_type__app_label="orders", codename="view_notification")
        )
        _migrate(MOVED)
    finally:
        _migrate(None)
    staff = django_user_model.objects.create_user("support-1", is_staff=True)
    staff.groups.add(support)
    client.force_login(staff)

    page = client.get("/admin/notifications/notification/")

    assert old_labels == [("orders", model) for model in MODELS]
    assert _labels() == [("notifications", model) for model in MODELS]
    assert _codenames(support.permissions) == [("notifications", "view_notification")]
    assert page.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_half_done_upgrade_moves_the_links_to_the_new_permissions_and_drops_the_old(
    django_user_model,
):
    staff = django_user_model.objects.create_user("support-2", is_staff=True)
    try:
        _migrate(BEFORE)
        old = ContentType.objects.get(app_label="orders", model="notification")
        old_view, old_change = (
            Permission.objects.get(content_type=old, codename=codename)
            for codename in ("view_notification", "change_notification")
        )
        # As if post_migrate had created the new ones on an earlier run of the upgrade.
        new = ContentType.objects.create(app_label="notifications", model="notification")
        new_view = Permission.objects.create(
            content_type=new, codename="view_notification", name="Can view notification"
        )
        support = Group.objects.create(name="support")
        support.permissions.add(old_view, new_view)  # both: it keeps one
        staff.user_permissions.add(old_change)  # only the old one has it: it moves
        entry = LogEntry.objects.create(
            user=staff, content_type=old, object_id="1", object_repr="n", action_flag=CHANGE
        )
        _migrate(MOVED)
    finally:
        _migrate(None)
    entry.refresh_from_db()

    assert _labels() == [("notifications", model) for model in MODELS]
    assert _codenames(support.permissions) == [("notifications", "view_notification")]
    assert _codenames(staff.user_permissions) == [("notifications", "change_notification")]
    assert entry.content_type_id == new.pk
    assert not ContentType.objects.filter(pk=old.pk).exists()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "/admin/orders/notification/?state__exact=pending",
            "/admin/notifications/notification/?state__exact=pending",
        ),
        ("/admin/orders/notification/12/change/", "/admin/notifications/notification/12/change/"),
        (
            "/admin/orders/passwordresetrequest/",
            "/admin/notifications/passwordresetrequest/",
        ),
        (
            "/admin/orders/languagepreference/3/history/",
            "/admin/notifications/languagepreference/3/history/",
        ),
    ],
)
def test_the_old_admin_addresses_redirect_to_the_notifications_app(client, old, new):
    response = client.get(old)

    assert (response.status_code, response["Location"]) == (301, new)


@pytest.mark.django_db(transaction=True)
def test_the_order_and_part_go_into_the_context_with_their_links_and_come_back_reversed():
    order = OrderFactory()
    part = order.parts.get()
    member = UserFactory()
    try:
        old = _apps([ADOPTED]).get_model("notifications", "Notification")
        written = {
            name: old.objects.create(
                kind=kind, dedupe_key=name, recipient_id=recipient.pk, **ids
            ).pk
            for name, kind, recipient, ids in [
                ("shopper", "order_placed", order.shopper, {"order_id": order.pk}),
                ("member", "part_ordered", member, {"order_id": order.pk, "part_id": part.pk}),
                ("approved", "vendor_approved", member, {}),
                ("rejected", "vendor_rejected", member, {}),
            ]
        }
        carried = _apps([COLUMNS_DROPPED]).get_model("notifications", "Notification")
        after = {
            name: carried.objects.values("context", "link").get(pk=pk)
            for name, pk in written.items()
        }
        back = _apps([ADOPTED]).get_model("notifications", "Notification")
        ids = {
            name: back.objects.values_list("order_id", "part_id").get(pk=pk)
            for name, pk in written.items()
        }
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, "orders_notification")
        indexed = sorted(
            c["columns"][0]
            for c in constraints.values()
            if c["index"] and c["columns"] in (["order_id"], ["part_id"])
        )
    finally:
        _migrate(None)

    assert after == {
        "shopper": {
            "context": {"order_id": order.pk, "order_number": order.number},
            "link": f"/orders/{order.number}/",
        },
        "member": {
            "context": {"order_id": order.pk, "part_id": part.pk, "order_number": order.number},
            "link": f"/vendor/orders/{part.pk}/",
        },
        "approved": {"context": {}, "link": "/vendor/"},
        "rejected": {"context": {}, "link": "/vendor/apply/"},
    }
    assert ids == {
        "shopper": (order.pk, None),
        "member": (order.pk, part.pk),
        "approved": (None, None),
        "rejected": (None, None),
    }
    assert indexed == ["order_id", "part_id"]
