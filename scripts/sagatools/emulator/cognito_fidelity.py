"""Cognito user pools as AWS runs them, where moto differs in what the page and the bookings API depend on.

- **SRP checks the password.** moto answers USER_SRP_AUTH with random SALT and SRP_B and accepts any
  PASSWORD_VERIFIER response, so any password signs in. Here the server side of Secure Remote Password
  runs for real: the challenge carries the user's salt and B = k·v + g^b, and the response's
  PASSWORD_CLAIM_SIGNATURE must be the HMAC a client that knows the password computes, or the answer is
  NotAuthorizedException "Incorrect username or password." ("USER_SRP_AUTH ... the password is never
  sent": https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow-methods.html).
  The computation is SRP-6a over the 3072-bit group of RFC 5054 with SHA-256, the one Cognito's client
  libraries (amazon-cognito-identity-js, which the page ships, and pycognito, which the tests use)
  implement: x = H(salt | H(pool name | user id | ":" | password)), u = H(A | B), the key HKDF(S, u,
  "Caldera Derived Key")[:16], the claim HMAC(key, pool name | user id | secret block | timestamp).
- **A flow must be enabled on the app client.** moto runs any flow; Cognito refuses one the client's
  ExplicitAuthFlows leave out ("... flow not enabled for this client", InvalidParameterException:
  https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html).
- **No user enumeration.** With PreventUserExistenceErrors ENABLED, an unknown user is answered as a
  wrong password is, NotAuthorizedException; USER_SRP_AUTH answers an unknown user with a simulated
  PASSWORD_VERIFIER challenge (the same salt and USER_ID_FOR_SRP for the same user name and pool) and
  fails only at RespondToAuthChallenge (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html).
- **Self sign-up only where the pool allows it.** AdminCreateUserConfig.AllowAdminCreateUserOnly makes
  SignUp NotAuthorizedException "SignUp is not permitted for this user pool"
  (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUserConfigType.html).
- **Codes are checked.** SignUp, ResendConfirmationCode and ForgotPassword issue a random 6-digit code
  per user, "delivered" as one JSON line appended to the file $SAGA_COGNITO_MESSAGES names (and
  logged); ConfirmSignUp and ConfirmForgotPassword accept only that code, once, within an hour
  (https://docs.aws.amazon.com/cognito/latest/developerguide/how-to-recover-a-user-account.html). moto
  accepts any code and hands ForgotPassword's out in a response header.
- **Each pool signs with its own key.** moto signs every pool's tokens with one key whose private half
  ships in moto (kid "dummy"); here each pool gets its own RSA key pair and kid when it is created, and
  its JWKS (/<pool id>/.well-known/jwks.json) serves that key alone
  (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html).
- **RevokeToken revokes.** moto has no RevokeToken (a 500); here it revokes the refresh token and the
  access tokens issued with it (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RevokeToken.html)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey
from moto.cognitoidp import urls as cognito_urls
from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    ExpiredCodeException,
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotFoundError,
)
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUser, CognitoIdpUserPool, UserStatus, cognitoidp_backends
from moto.cognitoidp.responses import CognitoIdpJsonWebKeyResponse, CognitoIdpResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult

log = logging.getLogger("sagatools.cognito")

# RFC 5054's 3072-bit group (appendix A), generator 2.
N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2
WRONG_PASSWORD = "Incorrect username or password."
FLOW_SETTING = {  # AuthFlow -> the ExplicitAuthFlows value that enables it
    "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH",
    "CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH",
    "ADMIN_USER_PASSWORD_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
}


def pad_hex(value: int) -> str:
    """The number's big-endian hex as the clients hash it: an even number of digits, and a leading 00
    where the first digit would set the sign bit."""
    digits = format(value, "x")
    if len(digits) % 2:
        return "0" + digits
    return "00" + digits if digits[0] in "89abcdef" else digits


def hex_hash(hex_digits: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_digits)).hexdigest()


K = int(hex_hash(pad_hex(N) + pad_hex(G)), 16)


def password_exponent(pool_name: str, user_id: str, password: str, salt: int) -> int:
    """x = H(salt | H(pool name | user id | ":" | password))."""
    inner = hashlib.sha256(f"{pool_name}{user_id}:{password}".encode()).hexdigest()
    return int(hex_hash(pad_hex(salt) + inner), 16)


def session_key(premaster: int, u: int) -> bytes:
    """HKDF-SHA256 of S with salt u and info "Caldera Derived Key", 16 bytes."""
    prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(premaster)), hashlib.sha256).digest()
    return hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]


def claim_signature(key: bytes, pool_name: str, user_id: str, secret_block: str, timestamp: str) -> str:
    message = pool_name.encode() + user_id.encode() + base64.b64decode(secret_block) + timestamp.encode()
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class Challenge:
    """The server's half of one PASSWORD_VERIFIER challenge."""

    session: str  # moto's session, which its RespondToAuthChallenge looks up
    pool_name: str
    user_id: str  # USER_ID_FOR_SRP, which a client may answer as its USERNAME
    username: str
    expected_key: bytes
    exists: bool = True  # False: the simulated challenge of a user that does not exist


def srp_challenge(pool_id: str, user_id: str, password: str, srp_a: str, salt: int | None = None) -> tuple[dict[str, str], bytes]:
    """The challenge's SALT and SRP_B for a client's A, and the session key a client with the right password derives."""
    a_value = int(srp_a, 16)
    if a_value % N == 0:
        raise NotAuthorizedError(WRONG_PASSWORD)
    pool_name = pool_id.split("_", 1)[1]
    salt = int.from_bytes(secrets.token_bytes(16), "big") if salt is None else salt
    verifier = pow(G, password_exponent(pool_name, user_id, password, salt), N)
    b_secret = int.from_bytes(secrets.token_bytes(128), "big") % N
    b_value = (K * verifier + pow(G, b_secret, N)) % N
    u = int(hex_hash(pad_hex(a_value) + pad_hex(b_value)), 16)
    premaster = pow(a_value * pow(verifier, u, N), b_secret, N)
    return {"SALT": format(salt, "x"), "SRP_B": format(b_value, "x")}, session_key(premaster, u)


_challenges: dict[str, Challenge] = {}  # secret block -> challenge; each answered once
_lock = threading.Lock()
_originals: dict[str, Callable[..., Any]] = {}


def _client_of(backend: CognitoIdpBackend, client_id: str) -> Any:
    return next((pool.clients[client_id] for pool in backend.user_pools.values() if client_id in pool.clients), None)


def _require_flow(client: Any, auth_flow: str) -> None:
    if client is None or auth_flow not in FLOW_SETTING:
        return  # moto's own answer (ResourceNotFound, the enum's validation)
    allowed = client.extended_config.get("ExplicitAuthFlows") or []
    if FLOW_SETTING[auth_flow] not in allowed:
        raise InvalidParameterException(f"{auth_flow} flow not enabled for this client")


def _prevents_user_existence_errors(client: Any) -> bool:
    return client is not None and client.extended_config.get("PreventUserExistenceErrors") == "ENABLED"


def _hiding_users(client: Any, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except UserNotFoundError:
        if _prevents_user_existence_errors(client):
            raise NotAuthorizedError(WRONG_PASSWORD) from None
        raise


_simulation_key = secrets.token_bytes(32)  # the simulated salt and user id of unknown users derive from it


def _simulated_challenge(client: Any, username: str, srp_a: str) -> dict[str, Any]:
    """What Cognito answers USER_SRP_AUTH for a user that does not exist, with PreventUserExistenceErrors
    ENABLED: "a simulated response in the first step as described in RFC 5054 ... the same 'salt' and
    internal user id in Universally Unique Identifier (UUID) format for the same user name and user pool
    combination"; RespondToAuthChallenge then fails as a wrong password does
    (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html)."""
    pool_id = client.user_pool_id
    seed = hmac.new(_simulation_key, f"{pool_id}\0{username}".encode(), hashlib.sha256).digest()
    user_id = str(uuid.UUID(bytes=seed[:16], version=4))
    salt = int.from_bytes(seed[16:], "big")
    # B as for a verifier of a password nobody knows, so no answer can match it.
    public, expected = srp_challenge(pool_id, user_id, secrets.token_hex(32), srp_a, salt)
    secret_block = base64.b64encode(secrets.token_bytes(32)).decode()
    session = str(uuid.uuid4())
    with _lock:
        _challenges[secret_block] = Challenge(session, pool_id.split("_", 1)[1], user_id, username, expected, exists=False)
    return {
        "ChallengeName": "PASSWORD_VERIFIER",
        "Session": session,
        "ChallengeParameters": {**public, "USERNAME": username, "USER_ID_FOR_SRP": user_id, "SECRET_BLOCK": secret_block},
    }


def _initiate_auth(backend: CognitoIdpBackend, client_id: str, auth_flow: str, auth_parameters: dict[str, str]) -> dict[str, Any]:
    client = _client_of(backend, client_id)
    _require_flow(client, auth_flow)
    if auth_flow == "USER_SRP_AUTH" and _prevents_user_existence_errors(client) and auth_parameters.get("SRP_A"):
        username = auth_parameters.get("USERNAME") or ""
        if not backend.user_pools[client.user_pool_id]._get_user(username):
            return _simulated_challenge(client, username, auth_parameters["SRP_A"])
    result: dict[str, Any] = _hiding_users(client, lambda: _originals["initiate_auth"](backend, client_id, auth_flow, auth_parameters))
    if auth_flow != "USER_SRP_AUTH" or result.get("ChallengeName") != "PASSWORD_VERIFIER":
        return result
    pool_id = client.user_pool_id
    parameters = result["ChallengeParameters"]
    user = backend.admin_get_user(pool_id, parameters["USERNAME"])
    public, expected = srp_challenge(pool_id, parameters["USER_ID_FOR_SRP"], user.password or "", auth_parameters["SRP_A"])
    secret_block = base64.b64encode(secrets.token_bytes(32)).decode()
    with _lock:
        _challenges[secret_block] = Challenge(
            result["Session"], pool_id.split("_", 1)[1], parameters["USER_ID_FOR_SRP"], parameters["USERNAME"], expected
        )
    return {**result, "ChallengeParameters": {**parameters, **public, "SECRET_BLOCK": secret_block}}


def _respond_to_auth_challenge(
    backend: CognitoIdpBackend, session: str, client_id: str, challenge_name: str, challenge_responses: dict[str, str]
) -> dict[str, Any]:
    client = _client_of(backend, client_id)
    if challenge_name == "PASSWORD_VERIFIER":
        secret_block = challenge_responses.get("PASSWORD_CLAIM_SECRET_BLOCK") or ""
        with _lock:
            challenge = _challenges.pop(secret_block, None)
        if challenge is None:
            raise NotAuthorizedError("Invalid session for the user.")
        try:
            expected = claim_signature(
                challenge.expected_key, challenge.pool_name, challenge.user_id, secret_block, challenge_responses.get("TIMESTAMP", "")
            )
        except ValueError:
            raise NotAuthorizedError(WRONG_PASSWORD) from None
        if not challenge.exists or not hmac.compare_digest(expected, challenge_responses.get("PASSWORD_CLAIM_SIGNATURE", "")):
            raise NotAuthorizedError(WRONG_PASSWORD)
        # The answer is the challenged user's: USERNAME is the user name or USER_ID_FOR_SRP (which
        # amazon-cognito-identity-js sends and moto cannot look up), never another user's.
        if challenge_responses.get("USERNAME") not in (challenge.username, challenge.user_id):
            raise NotAuthorizedError(WRONG_PASSWORD)
        challenge_responses = {**challenge_responses, "PASSWORD_CLAIM_SECRET_BLOCK": challenge.session, "USERNAME": challenge.username}
    responses = challenge_responses
    return _hiding_users(  # type: ignore[no-any-return]
        client, lambda: _originals["respond_to_auth_challenge"](backend, session, client_id, challenge_name, responses)
    )


# --- Self sign-up ---------------------------------------------------------------------------------


def _pool_of_client(backend: CognitoIdpBackend, client_id: str) -> CognitoIdpUserPool:
    pool = next((pool for pool in backend.user_pools.values() if client_id in pool.clients), None)
    if pool is None:
        raise ResourceNotFoundError(client_id)
    return pool


def _sign_up(
    backend: CognitoIdpBackend, client_id: str, username: str, password: str, attributes: list[dict[str, str]]
) -> tuple[CognitoIdpUser, Any]:
    """AllowAdminCreateUserOnly: "Set to True if only the administrator is allowed to create user profiles.
    Set to False if users can sign themselves up via an app."
    (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUserConfigType.html);
    SignUp then answers NotAuthorizedException (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SignUp.html)."""
    pool = _pool_of_client(backend, client_id)
    if (pool.extended_config.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly"):
        raise NotAuthorizedError("SignUp is not permitted for this user pool")
    user, details = _originals["sign_up"](backend, client_id, username, password, attributes)
    if user.status == UserStatus.UNCONFIRMED:
        _issue_code(pool, user, SIGN_UP, {"CodeDeliveryDetails": details} if details else _delivery_of(user))
    return user, details


# --- Confirmation codes --------------------------------------------------------------------------

SIGN_UP, FORGOT_PASSWORD = "SignUp", "ForgotPassword"
CODE_LIFETIME_SECONDS = 3600  # "The recovery code is valid for one hour." (how-to-recover-a-user-account.html)
MESSAGES_ENV = "SAGA_COGNITO_MESSAGES"  # the file codes are "delivered" to, one JSON line each
CODE_MISMATCH = "Invalid verification code provided, please try again."
CODE_EXPIRED = "Invalid code provided, please request a code again."
clock: Callable[[], float] = time.time  # tests move it forward


def _delivery_of(user: CognitoIdpUser) -> dict[str, Any]:
    """CodeDeliveryDetails for the user's email, else phone number."""
    for attribute, medium in (("email", "EMAIL"), ("phone_number", "SMS")):
        value = user.attribute_lookup.get(attribute)
        if value:
            masked = f"{value[0]}***@{value.split('@', 1)[1]}" if medium == "EMAIL" and "@" in value else f"+*******{value[-4:]}"
            return {"CodeDeliveryDetails": {"Destination": masked, "DeliveryMedium": medium, "AttributeName": attribute}}
    return {"CodeDeliveryDetails": {}}


def _issue_code(pool: CognitoIdpUserPool, user: CognitoIdpUser, purpose: str, delivery: dict[str, Any]) -> None:
    """A fresh 6-digit code in moto's own field (user.confirmation_code), with what it is for and when it
    expires, "delivered" as one JSON line to $SAGA_COGNITO_MESSAGES (when set) and to the log."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    user.confirmation_code = code
    user.saga_code_purpose = purpose  # type: ignore[attr-defined]
    user.saga_code_expires = clock() + CODE_LIFETIME_SECONDS  # type: ignore[attr-defined]
    message = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "userPoolId": pool.id,
        "username": user.username,
        "purpose": purpose,
        "code": code,
        **delivery,
    }
    path = os.environ.get(MESSAGES_ENV)
    if path:
        with _lock, open(path, "a", encoding="utf-8") as messages:
            messages.write(json.dumps(message) + "\n")
    log.info("Cognito %s code for %s in %s: %s", purpose, user.username, pool.id, code)


def _take_code(user: CognitoIdpUser, purpose: str, code: str) -> None:
    """The code the user was sent for this purpose, within its hour; a code is used once."""
    issued = user.confirmation_code
    if not issued or getattr(user, "saga_code_purpose", None) != purpose or not hmac.compare_digest(issued, code or ""):
        raise CodeMismatchException(CODE_MISMATCH)
    if clock() >= getattr(user, "saga_code_expires", 0.0):
        raise ExpiredCodeException(CODE_EXPIRED)
    user.confirmation_code = None


def _user_for_code(backend: CognitoIdpBackend, client_id: str, username: str) -> CognitoIdpUser:
    pool = _pool_of_client(backend, client_id)
    user: CognitoIdpUser | None = pool._get_user(username)
    if user is None:
        if _prevents_user_existence_errors(pool.clients[client_id]):
            raise CodeMismatchException(CODE_MISMATCH)
        raise UserNotFoundError("Username/client id combination not found.")
    return user


def _forgot_password(backend: CognitoIdpBackend, client_id: str, username: str) -> tuple[str | None, dict[str, Any]]:
    """moto's answer (its delivery details, its refusals), with a code of our own that moto's response
    header no longer gives away."""
    _, answer = _originals["forgot_password"](backend, client_id, username)
    pool = _pool_of_client(backend, client_id)
    user = pool._get_user(username)
    if user is not None:
        _issue_code(pool, user, FORGOT_PASSWORD, answer)
    return None, answer


def _confirm_forgot_password(backend: CognitoIdpBackend, client_id: str, username: str, password: str, confirmation_code: str) -> None:
    _take_code(_user_for_code(backend, client_id, username), FORGOT_PASSWORD, confirmation_code)
    _originals["confirm_forgot_password"](backend, client_id, username, password, "")


def _backend_for_client(response: CognitoIdpResponse, client_id: str) -> CognitoIdpBackend:
    return response._get_region_agnostic_backend()._find_backend_for_clientid(client_id)


def _confirm_sign_up_response(response: CognitoIdpResponse) -> Any:
    client_id = response._get_param("ClientId")
    backend = _backend_for_client(response, client_id)
    _take_code(_user_for_code(backend, client_id, response._get_param("Username")), SIGN_UP, response._get_param("ConfirmationCode"))
    return _originals["confirm_sign_up_response"](response)


def _resend_confirmation_code_response(response: CognitoIdpResponse) -> ActionResult:
    """moto has no ResendConfirmationCode (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ResendConfirmationCode.html)."""
    client_id = response._get_param("ClientId")
    backend = _backend_for_client(response, client_id)
    pool = _pool_of_client(backend, client_id)
    user = pool._get_user(response._get_param("Username"))
    if user is None:
        if _prevents_user_existence_errors(pool.clients[client_id]):
            simulated = {"Destination": "+*******9934", "DeliveryMedium": "SMS", "AttributeName": "phone_number"}
            return ActionResult({"CodeDeliveryDetails": simulated})
        raise UserNotFoundError("Username/client id combination not found.")
    delivery = _delivery_of(user)
    _issue_code(pool, user, SIGN_UP, delivery)
    return ActionResult(delivery)


# --- Each pool's own signing key -----------------------------------------------------------------


def public_jwks(pool: CognitoIdpUserPool) -> dict[str, Any]:
    """The pool's JWKS: its signing key's public half."""
    key: RSAKey = pool.json_web_key
    return {"keys": [key.as_dict(private=False, alg="RS256", use="sig")]}


def _pool_init(pool: CognitoIdpUserPool, *args: Any, **kwargs: Any) -> None:
    _originals["pool_init"](pool, *args, **kwargs)
    pool.json_web_key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_urlsafe(32)}, private=True)


def _create_jwt(pool: CognitoIdpUserPool, *args: Any, **kwargs: Any) -> tuple[str, int]:
    """moto's token, signed again under the pool's kid (moto's header names kid "dummy")."""
    token, expires_in = _originals["create_jwt"](pool, *args, **kwargs)
    claims = jwt.decode(token, pool.json_web_key, algorithms=["RS256"]).claims
    return jwt.encode({"alg": "RS256", "kid": pool.json_web_key.kid}, claims, pool.json_web_key), expires_in


def _serve_json_web_key(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    pool_id = urlparse(full_url).path.strip("/").split("/")[0]
    for region_backends in cognitoidp_backends.values():
        backend = region_backends.get(pool_id.split("_", 1)[0]) if "_" in pool_id else None
        if backend is not None and pool_id in backend.user_pools:
            return 200, {"Content-Type": "application/json"}, json.dumps(public_jwks(backend.user_pools[pool_id]))
    return 404, {"Content-Type": "application/json"}, json.dumps({"message": f"User pool {pool_id} does not exist."})


# --- RevokeToken ---------------------------------------------------------------------------------


class UnsupportedOperationException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedOperationException", message)


class UnsupportedTokenTypeException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedTokenTypeException", message)


class UnauthorizedException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnauthorizedException", message)


def _origin_jti(token: str) -> str | None:
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))).get("origin_jti")  # type: ignore[no-any-return]
    except (IndexError, ValueError, AttributeError):
        return None


def revoke_token(backend: CognitoIdpBackend, client_id: str, token: str, client_secret: str | None) -> None:
    """ "Revokes all of the access tokens generated by, and at the same time as, the specified refresh
    token" (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RevokeToken.html).
    A revoked refresh token's REFRESH_TOKEN_AUTH is then moto's own NotAuthorizedException "Refresh Token
    has been revoked"; its access tokens no longer work with GetUser and the like."""
    pool = _pool_of_client(backend, client_id)
    client = pool.clients[client_id]
    if client.generate_secret and not hmac.compare_digest(client_secret or "", client.secret):
        raise UnauthorizedException("Client is not authorized.")
    if client.extended_config.get("EnableTokenRevocation") is False:
        raise UnsupportedOperationException("Token revocation is not enabled for this client.")
    if token.count(".") == 2:  # a JWT: an access or ID token, which RevokeToken does not take
        raise UnsupportedTokenTypeException("Only refresh tokens can be revoked.")
    issued = pool.refresh_tokens.get(token)
    if issued is None:
        return  # unknown or already revoked: 200, nothing to do
    if issued[0] != client_id:
        raise UnauthorizedException("Token was not issued to this client.")
    pool.refresh_tokens[token] = None
    for access_token in list(pool.access_tokens):
        if _origin_jti(access_token) == issued[2]:
            pool.access_tokens.pop(access_token, None)


def _revoke_token_response(response: CognitoIdpResponse) -> EmptyResult:
    client_id = response._get_param("ClientId")
    token, secret = response._get_param("Token") or "", response._get_param("ClientSecret")
    revoke_token(_backend_for_client(response, client_id), client_id, token, secret)
    return EmptyResult()


JWKS_PATH = "{0}/(?P<user_pool_id>[^/]+)/.well-known/jwks.json$"


def install() -> None:
    """Idempotent; process-wide, as moto's backends are. Pools created before install keep moto's key."""
    if _originals:
        return
    _originals["initiate_auth"] = CognitoIdpBackend.initiate_auth
    _originals["respond_to_auth_challenge"] = CognitoIdpBackend.respond_to_auth_challenge
    _originals["sign_up"] = CognitoIdpBackend.sign_up
    _originals["forgot_password"] = CognitoIdpBackend.forgot_password
    _originals["confirm_forgot_password"] = CognitoIdpBackend.confirm_forgot_password
    _originals["confirm_sign_up_response"] = CognitoIdpResponse.confirm_sign_up
    _originals["pool_init"] = CognitoIdpUserPool.__init__
    _originals["create_jwt"] = CognitoIdpUserPool.create_jwt
    CognitoIdpBackend.initiate_auth = _initiate_auth  # type: ignore[method-assign,assignment]
    CognitoIdpBackend.respond_to_auth_challenge = _respond_to_auth_challenge  # type: ignore[method-assign,assignment]
    CognitoIdpBackend.sign_up = _sign_up  # type: ignore[method-assign,assignment]
    CognitoIdpBackend.forgot_password = _forgot_password  # type: ignore[method-assign,assignment]
    CognitoIdpBackend.confirm_forgot_password = _confirm_forgot_password  # type: ignore[method-assign,assignment]
    CognitoIdpResponse.confirm_sign_up = _confirm_sign_up_response  # type: ignore[method-assign,assignment]
    CognitoIdpResponse.resend_confirmation_code = _resend_confirmation_code_response  # type: ignore[attr-defined]
    CognitoIdpResponse.revoke_token = _revoke_token_response  # type: ignore[attr-defined]
    CognitoIdpUserPool.__init__ = _pool_init  # type: ignore[method-assign,assignment]
    CognitoIdpUserPool.create_jwt = _create_jwt  # type: ignore[method-assign,assignment]
    CognitoIdpJsonWebKeyResponse.serve_json_web_key = staticmethod(_serve_json_web_key)  # type: ignore[method-assign]
    cognito_urls.url_paths[JWKS_PATH] = _serve_json_web_key
