"""Tokens for the bookings API: a customer signs in to the workspace's Cognito user pool.

`token.py c-1` makes sure user `c-1` exists (created without an invitation, with a fresh random
password each time, or the one given, so a person can sign in on the booking page with it) and signs in
with ADMIN_USER_PASSWORD_AUTH, which the app client allows. The
customer id the API sees is the token's `sub`, Cognito's own id for that user: stable for the user,
never chosen by the client. Against AWS this needs cognito-idp admin permissions on the pool."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass

from sagatools.client.workspaces import Workspace, WorkspaceError


@dataclass(frozen=True)
class CustomerToken:
    username: str
    customer_id: str  # the token's `sub`
    access_token: str
    id_token: str


def sign_in(workspace: Workspace, username: str, password: str | None = None) -> CustomerToken:
    """`password`: the customer's from now on (the pool's policy applies); None: a random one, never shown."""
    pool_id = workspace.outputs.get("user_pool_id")
    client_id = workspace.outputs.get("user_pool_client_id")
    if not pool_id or not client_id:
        raise WorkspaceError(f"workspace {workspace.name!r} has no Cognito user pool (api_jwt_issuer names another identity provider)")
    cognito = workspace.client("cognito-idp")
    with contextlib.suppress(cognito.exceptions.UsernameExistsException):
        cognito.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
    password = password or secrets.token_urlsafe(24) + "aA1!"  # the random one meets any Cognito password policy; never stored
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
    tokens = cognito.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]
    attributes = cognito.admin_get_user(UserPoolId=pool_id, Username=username)["UserAttributes"]
    sub = next(attribute["Value"] for attribute in attributes if attribute["Name"] == "sub")
    return CustomerToken(username=username, customer_id=sub, access_token=tokens["AccessToken"], id_token=tokens["IdToken"])
