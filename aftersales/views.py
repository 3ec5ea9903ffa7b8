"""The shopper's after-sales pages (skeleton: helper A builds them)."""

from django.http import Http404


def request_list(request):
    raise Http404


def request_new(request, order_number, line_id):
    raise Http404


def request_detail(request, number):
    raise Http404


def request_step(request, number, step):
    raise Http404
