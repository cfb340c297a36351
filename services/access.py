"""Who a signed-in person is in Wardscope: their role from the council's list, and what each role may see.

The lists live in the server's `.streamlit/secrets.toml` (never in the repository):

    [wardscope.roles]
    officers = ["data.team@council.gov.uk"]
    councillors = ["cllr.smith@council.gov.uk", "@members.council.gov.uk"]   # "@domain" = everyone there

Anyone signed in but on neither list, and anyone not signed in, is public. Without sign-in configured
(a single-machine install) the role is WARDSCOPE_ROLE, else officer (docs in README "Roles and sign-in").
"""

from __future__ import annotations

from collections.abc import Mapping

from data_access import roles

#: What each role may see, in the words the sidebar uses.
CAN_SEE = {
    roles.PUBLIC: "published figures only: every count is rounded to a multiple of 10 before it leaves the database "
                  "(a group of fewer than 10 reads 0 or 10), and no comments as written or ballots",
    roles.COUNCILLOR: "every figure (counts below 10 hidden, the others rounded to a multiple of 10) and what "
                      "residents wrote",
    roles.OFFICER: "what a councillor sees, and can load, publish and roll back data",
}


def _matches(email: str, entries: object) -> bool:
    if not isinstance(entries, (list, tuple)):
        return False
    email = email.strip().lower()
    for entry in entries:
        entry = str(entry).strip().lower()
        if entry and (email == entry or (entry.startswith("@") and email.endswith(entry))):
            return True
    return False


def role_for(email: str | None, configured: Mapping[str, object] | None) -> str:
    """The role of a signed-in `email` from the configured lists (officers first); public when not listed."""
    if not email or not configured:
        return roles.PUBLIC
    if _matches(email, configured.get("officers")):
        return roles.OFFICER
    if _matches(email, configured.get("councillors")):
        return roles.COUNCILLOR
    return roles.PUBLIC
