"""Paging a listing that may match more products than a shopper pages through."""

from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """A paginator counting at most `most` objects (no COUNT over every product of a
    large catalog, nor over every match of a search); `more` says there were more, the
    pages stop at `most`. `ranked`: the objects are best matches first (a search)."""

    def __init__(self, object_list, per_page: int, *, most: int, ranked: bool = False) -> None:
        super().__init__(object_list, per_page)
        self.most = most
        self.more = False
        self.ranked = ranked

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by().values("pk")[: self.most + 1].count()
        self.more = counted > self.most
        return min(counted, self.most)
