"""The pages a mailed agent link opens (anyone holding the link): accept an invitation by choosing a
password, confirm a new login address."""

from __future__ import annotations

from litestar import get, post
from litestar.response import Template

from app.accounts.inputs import NewPassword
from app.agents import invitations
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import _
from app.web.params import Form, PathText


def _message(title: str, message: str, status_code: int = 200, show_login: bool = True) -> Template:
    return Template("accounts/message.html", status_code=status_code,
                    context={"title": title, "message": message, "show_login": show_login})


def _form(token: str, agent: dict, status_code: int = 200, errors: dict | None = None) -> Template:
    return Template("accounts/invitation.html", status_code=status_code,
                    context={"token": token, "agent": agent, "values": {}, "errors": errors or {}})


@get("/invitation/{token:str}", name="accounts.invitation")
async def invitation_form(token: PathText) -> Template:
    try:
        agent = await invitations.invitation(token)
    except NotFound as exc:
        return _message(_("Link not valid"), exc.message, 404)
    return _form(token, agent)


@post("/invitation/{token:str}", name="accounts.invitation_accept")
async def accept(token: PathText, data: Form) -> Template:
    """Choose the password, then log in as usual: the login page is where every rule about logging
    in lives (an inactive account, two-factor login a workspace may require), so accepting an
    invitation is not a way around any of them."""
    try:
        agent = await invitations.invitation(token)
        new = NewPassword.from_form(data)
        agent = await invitations.accept_invitation(token, new)
    except NotFound as exc:
        return _message(_("Link not valid"), exc.message, 404)
    except ValidationFailed as exc:
        return _form(token, agent, 422, exc.errors)
    return _message(_("Password set"), _("Welcome aboard! Log in now with your e-mail address %(email)s and the "
                                         "password you just chose.", email=agent["email"]))


@get("/account/email/{token:str}", name="accounts.agent_email_confirm")
async def confirm_email(token: PathText) -> Template:
    try:
        address = await invitations.confirm_email_change(token)
    except NotFound as exc:
        return _message(_("Link not valid"), exc.message, 404, show_login=False)
    except Conflict as exc:
        return _message(_("Address not changed"), exc.message, 409)
    return _message(_("Address confirmed"), _("Your login is now %(email)s.", email=address))


ROUTES = [invitation_form, accept, confirm_email]
