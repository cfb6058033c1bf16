"""Helpers for thin views."""

from __future__ import annotations


def form_data(request):
    """The submitted fields on a POST, else None. A POST with no fields still binds the form
    (``request.POST or None`` would not), so it is validated and shows its errors."""
    return request.POST if request.method == "POST" else None


def form_files(request):
    """The uploaded files on a POST, else None (see ``form_data``)."""
    return request.FILES if request.method == "POST" else None
