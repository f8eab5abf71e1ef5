"""Domain errors: one machine code and one message for the user, shared by screens and API."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message, *, code=None, field=None, status=None, details=None):
        super().__init__(str(message))
        self.message = message
        self.code = code or self.code
        self.field = field
        self.status = status or self.status
        self.details = details or {}


class NotFound(DomainError):
    """Also raised for what exists but must not be seen: no one learns that a person exists."""

    status = 404
    code = "not_found"

    def __init__(self, message=None, **kw):
        super().__init__(message or _("Not found, or not accessible to you."), **kw)


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "stale_edit"


STALE_EDIT_MESSAGE = _("Someone else changed this record after you opened it. Reload it to see their changes, "
                       "then make yours again.")


def stale_edit_error():
    """The 409 of an edit made on an old version; `save_versioned` raises it already (core.models.StaleEdit)."""
    return Conflict(STALE_EDIT_MESSAGE, code="stale_edit")
