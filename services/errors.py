"""The one error tree. States map these to messages, the API to status codes."""


class WorkbenchError(Exception):
    """Base of every error a user may see. The message is safe to show."""

    status_code = 500


class NotFound(WorkbenchError):
    status_code = 404


class PermissionDenied(WorkbenchError):
    status_code = 403


class NotAuthenticated(WorkbenchError):
    status_code = 401


class InvalidInput(WorkbenchError):
    status_code = 400


class Conflict(WorkbenchError):
    status_code = 409


class AccountLocked(WorkbenchError):
    status_code = 423


class QueryFailed(WorkbenchError):
    status_code = 400


class ExternalServiceError(WorkbenchError):
    status_code = 502
