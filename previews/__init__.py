"""Pull-request previews: reading `pulumi preview --json` (events.py) and writing the Markdown
comment CI posts on the pull request (comment.py; `scripts/preview-comment`)."""
