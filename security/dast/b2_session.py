"""Schemathesis hooks of the DAST gate: every request it sends is signed in as a user of its own.

The gate registers a fresh user on the environment under test (its API base URL is the gate's
input, B2_API_URL) and sends that user's access token as the bearer token, so the signed-in
routes are exercised past authentication. Loaded with SCHEMATHESIS_HOOKS=b2_session.
"""

import os
import secrets

import requests
import schemathesis

# A new user every ten seconds: at the fuzzer's pace one user would spend its per-minute request
# limit (600) in seconds, and the signed-in routes would answer 429 instead of being exercised.
REFRESH_SECONDS = 10


@schemathesis.auth(refresh_interval=REFRESH_SECONDS)
class B2Session:
    """A user registered for this run; its access token signs every request."""

    def get(self, case, ctx):
        base = os.environ["B2_API_URL"].rstrip("/")
        email = f"dast-{secrets.token_hex(8)}@example.com"
        password = f"dast {secrets.token_urlsafe(24)}"
        answer = requests.post(
            f"{base}/auth/register",
            json={"email": email, "password": password},
            timeout=10,
        )
        if answer.status_code != 201:
            raise RuntimeError(
                f"the DAST user could not register at {base}/auth/register: "
                f"{answer.status_code} {answer.text[:200]}"
            )
        return answer.json()["accessToken"]

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
