"""Print a bearer token for the bookings API: customer USERNAME signs in to the workspace's Cognito user
pool (created on first use). The API's customer id is the token's `sub`, printed on stderr.

    TOKEN=$(.venv/bin/python scripts/token.py c-1)                  # the local workspace (`make local-up`)
    .venv/bin/python scripts/token.py c-1 --workspace dev --id-token # a Terraform workspace on AWS
    .venv/bin/python scripts/token.py c-1 --password 'Choose-1-well!'  # and sign in on the booking page with it
"""

from __future__ import annotations

import argparse
import sys

from botocore.exceptions import ClientError

from sagatools.client import workspaces
from sagatools.client.identity import sign_in


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("username", help="the customer's user name in the pool, e.g. c-1")
    parser.add_argument("--workspace", default="local", metavar="local|NAME")
    parser.add_argument("--id-token", action="store_true", help="print the ID token instead of the access token")
    parser.add_argument("--password", help="set this password (12+ characters: lower, upper, digit, symbol), to sign in on the page with")
    args = parser.parse_args(argv)
    try:
        token = sign_in(workspaces.load(args.workspace), args.username, args.password)
    except workspaces.WorkspaceError as error:
        parser.error(str(error))
    except ClientError as error:  # e.g. InvalidPasswordException: the pool's password policy
        parser.error(f"{error.response['Error']['Code']}: {error.response['Error']['Message']}")
    print(f"customer {args.username}: customer id (the token's sub) {token.customer_id}", file=sys.stderr)
    print(token.id_token if args.id_token else token.access_token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
