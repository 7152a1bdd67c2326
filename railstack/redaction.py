"""What railstack counts as secret and how it hides it: one name rule, one redaction.

- `names_secret(name)`: a variable or property name that holds a password, key or token
  (`POSTGRES_PASSWORD`, `DJANGO_SECRET_KEY`, `FLOWER_BASIC_AUTH`, `DB_PASS`, `API_TOKEN`); what a
  value looks like is `railstack.stacks.secret_values`' job.
- `redact(text, secrets)`: `text` with every secret value, and the password of every
  `scheme://user:password@host`, replaced by `***`.

The Railway plugin's failure messages, the Docker actions' output, adoption (which values of a
hand-made project must stay secret) and the policy pack all use these. The emulator keeps its own
rules (`railway_emulator/redaction.py`): it models Railway, not railstack, and imports nothing from it.
A leaf module: it imports nothing of railstack, so the plugin can use it without the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Names that hold a password, key or token.
SECRET_NAME = re.compile(
    r"(?i)(passw(or)?d|(^|_)pass(_|$)|(^|_)pwd(_|$)|secret|token|api_?key|private_?key|access_?key|credential"
    r"|(^|_)key(_|$)|(^|_)auth(_|$)|basic_auth)"
)
#: A name that can be a variable or property name (deployment trigger keys such as `secret:x` are not).
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: `scheme://user:password@host`: the password part.
URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<password>[^@\s]+)(?P<tail>@)", re.IGNORECASE)
#: What stands in for a hidden value.
MARKER = "***"
#: Values shorter than this are never replaced: they would blank out ordinary words ("1", "on").
MIN_LENGTH = 4


def names_secret(name: str) -> bool:
    """Whether a variable or property named `name` holds a secret."""
    return bool(IDENTIFIER.match(name) and SECRET_NAME.search(name))


def redact(text: str, secrets: Iterable[str], min_length: int = MIN_LENGTH) -> str:
    """`text` with every secret value (the longest first, so one inside another goes too) and every
    password inside a URL replaced by `***`."""
    for secret in sorted({s for s in secrets if s and len(s) >= min_length}, key=len, reverse=True):
        text = text.replace(secret, MARKER)
    return URL_PASSWORD.sub(lambda m: f"{m['head']}{MARKER}{m['tail']}", text)
