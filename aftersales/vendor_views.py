"""The shop's after-sales pages in the vendor dashboard (skeleton: helper B builds them)."""

from django.http import Http404


def request_list(request):
    raise Http404


def request_detail(request, number):
    raise Http404


def request_step(request, number, step):
    raise Http404
