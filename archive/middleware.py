"""Refuse, before any view sees it, what no page of the archive can answer."""

from django.conf import settings
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address
    the outermost of them saw. Entries a client wrote into X-Forwarded-For itself come
    before the proxies' and are never read, so a client cannot choose its address."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= count and forwarded[-count]:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")


class LimitRequestBodyMiddleware:
    """A request body larger than REQUEST_BODY_MAX_BYTES is answered 413 before it is read.

    Django reads a multipart body only when a view touches request.POST or request.FILES,
    and then spools files over FILE_UPLOAD_MAX_MEMORY_SIZE to disk: a 10 GB upload would be
    written to /tmp before the upload view could refuse it. This middleware runs first and
    looks only at the declared length, so nothing of such a body is read. A body without a
    declared length (chunked) is never read by Django's WSGI handler at all: it reads at most
    CONTENT_LENGTH bytes, and treats a missing one as zero.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads nothing of a body whose length is not a number
        limit = settings.REQUEST_BODY_MAX_BYTES
        if declared > limit:
            message = _(
                "The request is %(size)s; the archive accepts at most %(limit)s at once. "
                "Upload fewer or smaller files."
            ) % {"size": filesizeformat(declared), "limit": filesizeformat(limit)}
            return render(request, "archive/bad_request.html", {"message": message}, status=413)
        return self.get_response(request)


class RejectNulBytesMiddleware:
    """A NUL byte in the path or the query string is never meaningful here, and PostgreSQL
    refuses it in text; answer 400 with a clear message instead of failing later."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            "\x00" in request.path
            or "%00" in request.META.get("QUERY_STRING", "")
            or any(
                "\x00" in key or any("\x00" in value for value in values)
                for key, values in request.GET.lists()
            )
        ):
            message = _("The address contains a NUL byte, which no page of the archive accepts.")
            return render(request, "archive/bad_request.html", {"message": message}, status=400)
        return self.get_response(request)
