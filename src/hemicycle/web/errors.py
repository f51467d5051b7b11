"""The web API's own error: an HTTP status, a kind and a readable sentence (the app sends it as
``{"error": KIND, "detail": SENTENCE}``)."""

from typing import Literal

#: Every kind of error the API sends (the schema's ``Error.error`` enum; mypy holds the senders to
#: it): a request the server refuses (``bad_host``, ``bad_request``, ``too_large``,
#: ``invalid_request``, ``method_not_allowed``, ``http_error``), something missing (``not_found``,
#: ``missing_round``), an option not allowed (``bad_option``), a server that cannot answer now
#: (``busy``, ``timeout``), a client that left (``client_closed``), or a fault (``internal_error``).
ErrorKind = Literal[
    "invalid_request",
    "bad_request",
    "bad_host",
    "too_large",
    "method_not_allowed",
    "http_error",
    "not_found",
    "missing_round",
    "bad_option",
    "busy",
    "timeout",
    "client_closed",
    "internal_error",
]


class ApiError(Exception):
    """An error with its HTTP status, kind and readable message."""

    def __init__(
        self, status: int, kind: ErrorKind, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail
        self.headers = headers or {}
