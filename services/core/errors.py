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

    def __init__(self, message: str, *, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position  # 0-based offset in the input, when the problem has a place


class Conflict(WorkbenchError):
    status_code = 409


class AccountLocked(WorkbenchError):
    status_code = 423


class QueryFailed(WorkbenchError):
    """The database refused or stopped a statement; carries Postgres's SQLSTATE and the error position."""

    status_code = 400

    def __init__(self, message: str, *, sqlstate: str | None = None, position: int | None = None,
                 statement_index: int | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate
        self.position = position  # 0-based offset in the whole script, when Postgres gave one
        self.statement_index = statement_index


class QueryCancelled(QueryFailed):
    status_code = 409


class RateLimited(WorkbenchError):
    status_code = 429

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ExternalServiceError(WorkbenchError):
    status_code = 502
