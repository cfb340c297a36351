"""Sign-in and the session's role, drawn once by app.py in the sidebar.

With Streamlit's OIDC sign-in configured (an `[auth]` section in `.streamlit/secrets.toml`), people sign in
with the council's identity provider (`st.login`) and their role comes from the lists in
`[wardscope.roles]` (services.access); without it (a single-machine install) the role is the local
fallback, WARDSCOPE_ROLE, else officer. The role is set in the data-access layer for this run
(data_access.roles), where it is checked and made part of every cache key.
"""

from __future__ import annotations

import streamlit as st

from data_access import roles
from services.access import CAN_SEE, role_for


def _secrets() -> dict:
    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets file at all: Streamlit raises its own not-found error
        return {}


def _signed_in_role(secrets: dict) -> str:
    if not st.user.is_logged_in:
        st.button("Sign in", on_click=st.login, icon=":material/login:",
                  help="Councillors and officers sign in to see more; the public sees published figures.")
        return roles.PUBLIC
    role = role_for(st.user.get("email"), secrets.get("wardscope", {}).get("roles"))
    st.caption(f"Signed in as {st.user.get('email') or st.user.get('name') or 'unknown'}.")
    st.button("Sign out", on_click=st.logout, icon=":material/logout:")
    return role


def sign_in() -> str:
    """Work out this session's role (sign-in or the local fallback), set it for the run and say it."""
    secrets = _secrets()
    if "auth" in secrets:
        role = _signed_in_role(secrets)
        how = "signed in" if role != roles.PUBLIC else "not signed in, or not on the council's lists"
    else:
        role = roles.default_role()
        how = "this computer's setting (WARDSCOPE_ROLE); sign-in is not set up"
    roles.set_current(role)
    st.caption(f"Viewing as **{roles.LABELS[role]}** ({how}): {CAN_SEE[role]}.")
    return role


def allowed(minimum: str, what: str) -> bool:
    """True when this session's role is at least `minimum`; otherwise say, in one sentence, who can see `what`."""
    if roles.allows(minimum):
        return True
    st.info(f"{what} are shown to signed-in {roles.LABELS[minimum].lower()}s and officers only; the public sees "
            "the published figures on the other tabs.", icon=":material/lock:")
    return False
