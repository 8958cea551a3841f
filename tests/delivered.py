"""What the test SMTP server and HTTP receiver (tests/conftest.py) got, as text a test can search."""

from __future__ import annotations

import html
import re
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any


def mail_text(envelope: Any) -> tuple[EmailMessage, str]:
    """A received mail and its text: the SMTP provider's hook sends HTML (chiso wraps its text in <pre>),
    read back with the tags removed and the entities decoded."""
    mail = message_from_bytes(envelope.content, policy=default_policy)
    part = mail.get_body(preferencelist=("html", "plain"))
    assert part is not None, "a mail without a text or HTML body"
    content = part.get_content()
    if part.get_content_type() == "text/html":
        content = html.unescape(re.sub(r"<[^>]+>", "", content))
    return mail, content


def chat_text(payload: dict[str, Any]) -> str:
    """The text of a chat message as Apprise's JSON notification posts it: its title, then its message."""
    return f"{payload.get('title', '')}\n{payload.get('message', '')}"
