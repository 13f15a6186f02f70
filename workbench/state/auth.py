"""Who is signed in: the session cookie, sign-in/out, and the per-page access check."""

from __future__ import annotations

import asyncio
import contextlib
import json
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode

import reflex as rx

from services.core.errors import PermissionDenied, WorkbenchError
from services.identity import auth, rbac
from services.identity.users import User
from workbench import navigation
from workbench.navigation import safe_next

SESSION_COOKIE = "wb_session"


def _go(url: str) -> rx.event.EventSpec:
    """A full page load of `url` (the websocket then reconnects with the cookies the server just set)."""
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


class AuthState(rx.State):
    """Shared by every page; imports nothing from the pages."""

    user_email: str = ""
    user_name: str = ""
    user_role: str = ""
    login_error: str = ""
    flash: str = ""
    page_ready: bool = False
    _flash_keep: bool = False

    @rx.var
    def nav_items(self) -> list[dict[str, str]]:
        """Navigation the signed-in role may open."""
        return navigation.nav_for(self.user_role)

    @rx.var
    def quick_actions(self) -> list[dict[str, str]]:
        """Quick actions the signed-in role may use."""
        return navigation.quick_actions_for(self.user_role)

    @rx.var
    def admin_pages(self) -> list[dict[str, str]]:
        """The Admin Console's pages the signed-in role may open."""
        return navigation.admin_pages_for(self.user_role)

    @rx.var
    def user_initials(self) -> str:
        """Two letters for the avatar."""
        parts = (self.user_name or self.user_email).replace("@", " ").split()
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    def _session_token(self) -> str:
        """The session token from the HttpOnly cookie the browser sent with the websocket handshake (page
        scripts cannot read it, and it never travels in the state)."""
        jar = SimpleCookie()
        with contextlib.suppress(CookieError):
            jar.load(self.router.headers.cookie or "")
        morsel = jar.get(SESSION_COOKIE)
        return morsel.value if morsel else ""

    def _client_address(self) -> str:
        return self.router.session.client_ip or ""

    def _set_user(self, user: User | None) -> None:
        self.user_email = user.email if user else ""
        self.user_name = user.display_name if user else ""
        self.user_role = user.role if user else ""

    async def current_user(self) -> User | None:
        """Resolve the session cookie on the server, every time (revoked sessions stop at once)."""
        user = await asyncio.to_thread(auth.resolve_session, self._session_token())
        self._set_user(user)
        return user

    async def check_access(self, permission: str = ""):
        """on_load guard: sign-in required; a page the role may not open sends the user Home with a message."""
        self.page_ready = False
        user = await self.current_user()
        if user is None:
            path = self.router.url.path or "/"
            return rx.redirect("/login" if path == "/" else f"/login?next={path}")
        if permission and not rbac.is_allowed(user.role, permission):
            label = navigation.page_label(self.router.url.path)
            try:
                await asyncio.to_thread(rbac.authorize, user, permission, client_address=self._client_address())
            except PermissionDenied as exc:
                self.flash = f"You cannot open {label}. {exc}"
                self._flash_keep = True
            return rx.redirect("/")
        if self._flash_keep:
            self._flash_keep = False
        else:
            self.flash = ""
        self.page_ready = True

    def dismiss_flash(self):
        """Hide the access message."""
        self.flash = ""

    async def login_page_load(self):
        """Already signed in: go Home (or where the user was headed)."""
        self.login_error = ""
        if await self.current_user() is not None:
            return rx.redirect(safe_next(self.router.url.query_parameters.get("next")))

    async def handle_login(self, form_data: dict):
        """Sign in from the login form."""
        self.login_error = ""
        try:
            code = await asyncio.to_thread(
                auth.begin_sign_in, str(form_data.get("email", "")), str(form_data.get("password", "")),
                client_address=self._client_address())
        except WorkbenchError as exc:
            self.login_error = str(exc)
            return
        # The server sets the HttpOnly cookie on a real HTTP response, then sends the browser on.
        target = safe_next(self.router.url.query_parameters.get("next"))
        return _go(f"/api/session/start?{urlencode({'code': code, 'next': target})}")

    async def logout(self):
        """End the server session and forget the cookie."""
        await asyncio.to_thread(auth.logout, self._session_token(), client_address=self._client_address())
        self._set_user(None)
        self.page_ready = False
        return _go("/api/session/end")  # clears the cookie, then the login page


async def acting_user(state: rx.State) -> tuple[User | None, str]:
    """The signed-in user behind any page state's event, and the client's address (for the audit log)."""
    auth = await state.get_state(AuthState)
    return await auth.current_user(), auth.router.session.client_ip or ""
