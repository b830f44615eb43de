"""One error hierarchy for all of hushflow.

Every error a user can cause derives from :class:`HushflowError` and carries an
HTTP-like ``status`` and an ``exit_code`` so the CLI and the API turn any of them
into one clear message in one place. No user-facing path prints a traceback.
This module imports nothing of ours, so every layer (the leaves included) may
raise these types.
"""

from __future__ import annotations

from dataclasses import dataclass


class HushflowError(Exception):
    """Base of every error hushflow raises on purpose."""

    status: int = 400
    exit_code: int = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Location:
    """A position in a source file: 1-based line and column."""

    line: int
    column: int
    file: str | None = None

    def __str__(self) -> str:
        prefix = f"{self.file}:" if self.file else ""
        return f"{prefix}{self.line}:{self.column}"


class FlowValidationError(HushflowError):
    """A flow document is not valid; each problem has a location when known."""

    status = 422

    def __init__(self, problems: list[tuple[Location | None, str]], file: str | None = None):
        self.problems = problems
        self.file = file
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One ``FILE:LINE:COL: message`` line per problem."""
        out = []
        for loc, msg in self.problems:
            if loc is not None:
                out.append(f"{loc}: {msg}")
            elif self.file:
                out.append(f"{self.file}: {msg}")
            else:
                out.append(msg)
        return out


class ExpressionError(HushflowError):
    """A template failed to parse or evaluate; says where in the template."""

    status = 422

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.source = source
        self.line = line
        self.column = column
        super().__init__(message)


class InputError(HushflowError):
    """Execution inputs do not match the flow's declared inputs."""

    status = 422


class SecretNotFound(HushflowError):
    """A secret key is not visible from the caller's namespace chain."""

    status = 404
    exit_code = 1


class SecretError(HushflowError):
    """A secret exists but cannot be used (bad sub-key, bad JSON, too large...)."""

    exit_code = 1


class MasterKeyError(HushflowError):
    """The master key is missing, malformed, or does not decrypt the store."""

    status = 500
    exit_code = 2


class AccessDenied(HushflowError):
    """The caller lacks the permission for this namespace or action."""

    status = 403


class NotFound(HushflowError):
    """A flow, execution or other object does not exist."""

    status = 404


class ConfigError(HushflowError):
    """hushflow's own configuration (env, hushflow.yml) is wrong."""

    status = 500


class LimitExceeded(HushflowError):
    """A configured bound (subflow depth, sizes) would be passed; the message names the setting."""

    status = 422
    exit_code = 1
