"""Project-wide filters: secrets derived from the inventory's master secret.

Every service password and key is derived from one master secret per inventory
(ansible-vault in production), so a server rebuilt from scratch gets the same
credentials. Derivation is HMAC-SHA256(master, "tapbot/" + purpose): a purpose
names what the secret is for ("traefik/dashboard", "postgresql/n8n"); secrets
for different purposes are unrelated, and none reveals the master.

    {{ tapbot_master_secret | tapbot_secret('traefik/dashboard') }}
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from ansible.errors import AnsibleFilterError


def _digest(key: str, message: str) -> bytes:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()


def tapbot_secret(master, purpose, length=32) -> str:
    """A secret for `purpose`, derived from the master secret: URL-safe letters and digits."""
    if not isinstance(master, str) or len(master) < 16:
        raise AnsibleFilterError(
            "tapbot_master_secret is missing or shorter than 16 characters: every derived password "
            "would be empty or weak. Set it in the inventory (ansible-vault in production) and run again."
        )
    if not isinstance(purpose, str) or not purpose:
        raise AnsibleFilterError("tapbot_secret needs a purpose, such as 'traefik/dashboard'")
    if not isinstance(length, int) or not 16 <= length <= 43:
        raise AnsibleFilterError("tapbot_secret's length must be between 16 and 43 characters")
    text = base64.urlsafe_b64encode(_digest(master, "tapbot/" + purpose)).decode().rstrip("=")
    return text[:length]


class FilterModule:
    def filters(self):
        return {"tapbot_secret": tapbot_secret}
