"""The errors the emulator answers, worded the way Railway words them.

Railway answers most failures as HTTP 200 with `errors[].message` and no reliable error code, so the
message text is the contract a client can match on. The constants here are the messages Railway is
known to send; everything else is a plain sentence that names the offending object (never a
variable value or a token).
"""

from __future__ import annotations

NOT_AUTHORIZED = "Not Authorized"
"""Railway's answer to a missing or wrong token, and to any id it cannot find (it does not tell a
deleted object from one the caller may not see)."""

PROBLEM_PROCESSING = "Problem processing request"
"""Railway's answer when a delete of a domain or TCP proxy finds nothing to delete."""


class RailwayError(Exception):
    """A failure a resolver reports to the client as a GraphQL error with exactly this message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotImplementedByEmulator(RailwayError):
    """A field of Railway's schema that the emulator does not model; never answered as a silent null."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} is not implemented by the railway emulator")
