"""Database helpers shared by the apps."""

# Parameters are bound on the server (settings.py), and PostgreSQL takes at most 65,535 of
# them in one statement: lists of ids that can grow with the audience go in batches.
IDS_PER_STATEMENT = 10_000


def update_by_ids(model, ids, **values):
    """`model.objects.filter(pk__in=ids).update(**values)`, in statements of at most
    IDS_PER_STATEMENT ids; returns the number of rows updated."""
    ids = list(ids)
    return sum(
        model.objects.filter(pk__in=ids[start:start + IDS_PER_STATEMENT]).update(**values)
        for start in range(0, len(ids), IDS_PER_STATEMENT)
    )
