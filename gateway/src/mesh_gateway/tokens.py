"""Development tokens for the demo users of every role.

    python -m mesh_gateway.tokens --secret-file .data/gateway/jwt.key            # all demo users, as JSON
    python -m mesh_gateway.tokens --secret-file KEY --role police --agency luolong-police

Production tokens come from the city's identity provider (the gateway then verifies
against its JWKS); this command refuses nothing, so keep the key file to yourself.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mesh_gateway.auth import Principal, Role, issue, load_or_create_secret

DEMO_USERS = [
    Principal("demo-enterprise", Role.ENTERPRISE, "洛阳河洛精密轴承有限公司", enterprise_id="ent-001"),
    Principal("demo-officer", Role.OFFICER, "首席服务官 李明"),
    Principal("demo-city-leader", Role.LEADER, "副市长 王建国"),
    Principal("demo-county-leader", Role.LEADER, "洛龙区副区长 赵敏", county_code="410311"),
    Principal("demo-department", Role.DEPARTMENT, "洛龙区城市管理局", county_code="410311",
              agency="luolong-urban-management"),
    Principal("demo-police", Role.POLICE, "洛龙区公安分局 值班室", county_code="410311", agency="luolong-police"),
    Principal("demo-office", Role.OPTIMISATION_OFFICE, "市优化办"),
    Principal("demo-ops", Role.OPS, "运维"),
    Principal("demo-router", Role.ROUTER, "provincial supergraph router"),
]


def demo_tokens(secret: bytes, *, issuer: str, audience: str) -> dict[str, str]:
    """One token per demo user, keyed by the user's subject."""
    return {p.subject: issue(secret, p, issuer=issuer, audience=audience) for p in DEMO_USERS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mesh_gateway.tokens", description=__doc__.split("\n")[0])
    parser.add_argument("--secret-file", required=True, type=Path, help="the gateway's JWT_SECRET_FILE")
    parser.add_argument("--issuer", default="mesh-dev")
    parser.add_argument("--audience", default="mesh-gateway")
    parser.add_argument("--role", choices=[r.value for r in Role if r is not Role.PUBLIC])
    parser.add_argument("--subject", default="dev-user")
    parser.add_argument("--county-code")
    parser.add_argument("--agency")
    parser.add_argument("--enterprise-id")
    args = parser.parse_args(argv)
    secret = load_or_create_secret(args.secret_file)
    if args.role is None:
        print(json.dumps(demo_tokens(secret, issuer=args.issuer, audience=args.audience), indent=2))
        return 0
    principal = Principal(args.subject, Role(args.role), county_code=args.county_code, agency=args.agency,
                          enterprise_id=args.enterprise_id)
    print(issue(secret, principal, issuer=args.issuer, audience=args.audience))
    return 0


if __name__ == "__main__":
    sys.exit(main())
