"""Who may do what: roles per workflow, from a small policy file; checked on the server.

Policy file (TOML), named by REVIEW_CONSOLE_POLICY:

    default_role = "viewer"          # anyone signed in who matches no grant
    [[grant]]
    who = ["ann@example.com", "@example.com", "group:editors"]
    workflows = ["*"]                # or workflow names
    role = "reviewer"                # viewer | reviewer | admin
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

ROLES = ("none", "viewer", "reviewer", "admin")
ADMIN_ACTIONS = frozenset({"retry", "reopen"})


def needed_role(action: str) -> str:
    if action in ADMIN_ACTIONS:
        return "admin"
    return "reviewer"


@dataclass(frozen=True)
class Grant:
    who: tuple[str, ...]
    workflows: tuple[str, ...]
    role: str

    def matches(self, email: str | None, groups: tuple[str, ...], workflow: str | None) -> bool:
        if "*" not in self.workflows and workflow not in self.workflows:
            return False
        email = (email or "").lower()
        for who in self.who:
            who = who.lower()
            if who == "*" or (email and (who == email or (who.startswith("@") and email.endswith(who)))):
                return True
            if who.startswith("group:") and who[6:] in {g.lower() for g in groups}:
                return True
        return False


@dataclass(frozen=True)
class Policy:
    default_role: str = "viewer"
    grants: tuple[Grant, ...] = ()

    def role(self, email: str | None, groups: tuple[str, ...], workflow: str | None) -> str:
        best = self.default_role
        for grant in self.grants:
            if grant.matches(email, groups, workflow) and ROLES.index(grant.role) > ROLES.index(best):
                best = grant.role
        return best

    def allows(self, email: str | None, groups: tuple[str, ...], workflow: str | None, action: str) -> bool:
        return ROLES.index(self.role(email, groups, workflow)) >= ROLES.index(needed_role(action))


class PolicyError(ValueError):
    pass


def load_policy(path: str | Path | None, default_role: str) -> Policy:
    if not path:
        return Policy(default_role=default_role)
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"The permission policy {path} cannot be read: {exc}") from exc
    grants = []
    for raw in data.get("grant", []):
        role = raw.get("role", "viewer")
        if role not in ROLES:
            raise PolicyError(f"Unknown role “{role}” in {path}; use viewer, reviewer or admin.")
        grants.append(Grant(tuple(raw.get("who", [])), tuple(raw.get("workflows", ["*"])), role))
    default = data.get("default_role", default_role)
    if default not in ROLES:
        raise PolicyError(f"Unknown default_role “{default}” in {path}.")
    return Policy(default_role=default, grants=tuple(grants))
