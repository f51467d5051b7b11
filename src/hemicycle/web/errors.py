"""The web API's own error: an HTTP status, a kind and a readable sentence (the app sends it as
``{"error": KIND, "detail": SENTENCE}``)."""


class ApiError(Exception):
    """An error with its HTTP status, kind and readable message."""

    def __init__(
        self, status: int, kind: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail
        self.headers = headers or {}
