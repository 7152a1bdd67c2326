"""Start and pre-deploy commands as the platforms run them: in exec form, without a shell.

Railway runs the start command of an image or Dockerfile service in exec form, replacing the image's
ENTRYPOINT, and does not expand variables (Railway docs, deployments/start-command.md: "commands ran
in exec form do not support variable expansion"); Docker runs a container's `command` list the same
way. A command that needs `$VAR` therefore has to bring its own shell: `/bin/sh -c "exec ..."`, with
`exec` so the program replaces the shell as PID 1 and receives SIGTERM itself (Celery's warm
shutdown, Redis's clean save). Every command railstack writes goes through `shell_exec`; the
`exec-form-commands` policy flags any command that uses `$` without such a wrapper.
"""

from __future__ import annotations

import shlex

#: Programs that expand variables when they run a command given with `-c`.
SHELLS = frozenset({"sh", "/bin/sh", "/usr/bin/sh", "bash", "/bin/bash", "/usr/bin/bash", "dash", "/bin/dash"})


def shell_exec(command: str) -> list[str]:
    """`command` (shell syntax, may use `"$VAR"`) as an exec-form argv that a shell expands."""
    return ["/bin/sh", "-c", f"exec {command}"]


def as_text(argv: list[str]) -> str:
    """An argv as one command line, the form Railway's startCommand takes, in the docs' shape:
    `/bin/sh -c "exec python main.py --port $PORT"` (double quotes, `"`, `\\` and `` ` `` escaped)."""

    def quote(word: str) -> str:
        if word and not any(c in word for c in " \t\n\"'\\$`|&;<>()*?[]#~"):
            return word
        return '"' + word.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`") + '"'

    return " ".join(quote(word) for word in argv)


def argv_of(command: str | list[str]) -> list[str] | None:
    """The argv a platform runs for `command` (a command line or an exec-form list); None when the
    line cannot be split (unbalanced quotes)."""
    if isinstance(command, list):
        return [str(word) for word in command]
    try:
        return shlex.split(command)
    except ValueError:
        return None


def is_shell_wrapped(argv: list[str]) -> bool:
    """The argv runs a shell on a command string (`/bin/sh -c "..."`), which expands variables."""
    words = list(argv)
    if words and words[0] in ("env", "/usr/bin/env"):
        words = words[1:]
    return len(words) >= 3 and words[0] in SHELLS and words[1] == "-c"


def needs_shell(command: str | list[str] | None) -> bool:
    """True when `command` uses a variable (`$`) but runs without a shell to expand it."""
    if command is None or command == [] or command == "":
        return False
    argv = argv_of(command)
    if argv is None:
        return "$" in str(command)
    return any("$" in word for word in argv) and not is_shell_wrapped(argv)
