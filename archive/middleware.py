"""Refuse what PostgreSQL would choke on before any view sees it."""

from django.shortcuts import render
from django.utils.translation import gettext as _


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
