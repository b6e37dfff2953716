"""ctdash.ui.auth reaches into streamlit-authenticator's internals in one adapter; these tests fail
loudly if an upgrade moves what it relies on, instead of letting sign-in break quietly."""

from __future__ import annotations

import importlib.metadata
import inspect

import jwt
from streamlit.testing.v1 import AppTest
from streamlit_authenticator.models.cookie_model import CookieModel

KEY = "k" * 48


def test_the_adapter_was_written_for_this_release_of_the_library():
    assert importlib.metadata.version("streamlit-authenticator") == "0.4.2", (
        "ctdash/ui/auth.py (_adapt, _sign_out, sign_in_form) relies on 0.4.2 internals: re-read them, then "
        "update this pin and requirements.txt together"
    )


def test_the_library_reads_the_cookie_only_while_not_signed_out():
    # authenticate() sets session_state["logout"] to make the library ignore a cookie it refused.
    assert "st.session_state['logout']" in inspect.getsource(CookieModel.get_cookie)
    assert "self._token_encode()" in inspect.getsource(CookieModel.set_cookie)


def _adapted():
    import streamlit as st
    import streamlit_authenticator as stauth

    from ctdash.ui import auth

    authenticator = stauth.Authenticate(
        {"usernames": {}}, cookie_name="t", cookie_key="k" * 48, cookie_expiry_days=7, auto_hash=False
    )
    controller = authenticator.authentication_controller
    original = controller.login
    auth._adapt(authenticator, "k" * 48)
    cookie = authenticator.cookie_controller.cookie_model
    st.session_state["username"], st.session_state[auth.SESSION_ID] = "kit", "the-sign-in-id"
    cookie.exp_date = 2_000_000_000.0
    st.session_state["found"] = {
        "login_replaced": controller.login is not original,
        "credentials": isinstance(controller.authentication_model.credentials, dict),
        "token": cookie._token_encode(),
        "delete_cookie": callable(authenticator.cookie_controller.delete_cookie),
        "set_cookie": callable(authenticator.cookie_controller.set_cookie),
        "writer": isinstance(cookie.cookie_manager, auth.CookieWriter),
    }


def test_the_adapter_finds_every_internal_it_replaces_and_the_cookie_carries_the_sign_in_id():
    at = AppTest.from_function(_adapted, default_timeout=30).run()
    assert not at.exception
    found = at.session_state["found"]
    assert found["login_replaced"] and found["credentials"] and found["delete_cookie"] and found["set_cookie"]
    assert found["writer"]  # CookieModel makes its manager through the name ctdash.ui.auth replaces
    payload = jwt.decode(found["token"], KEY, algorithms=["HS256"])
    assert (payload["username"], payload["sid"]) == ("kit", "the-sign-in-id")
