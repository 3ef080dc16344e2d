"""NATS identities for the local mesh: one for the services, one per pushing agency (policy item 9).

Each identity is an nkey (an Ed25519 key pair). The server's configuration holds only
public keys; the seeds are written to files under ``.data/`` (mode 0600, never
committed), which the services and the push tool present when they connect. An
agency may publish only to ``incidents.report.<agency>`` and
``incidents.status.<agency>``, and receive only replies on its own inbox prefix
(``_INBOX.<agency>.>``, where JetStream sends its publish acknowledgements).
Connections without a known key are refused.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import nkeys

MESH_USER = "mesh"


@dataclass(frozen=True)
class Identity:
    name: str
    public_key: str
    seed_file: Path


def inbox_prefix(agency: str) -> str:
    """The reply-subject prefix an agency's connections must use (its only subscribe permission)."""
    return f"_INBOX.{agency}"


def _load_or_create(directory: Path, name: str) -> Identity:
    seed_file = directory / f"{name}.nk"
    if not seed_file.exists():
        directory.mkdir(parents=True, exist_ok=True)
        seed = nkeys.encode_seed(secrets.token_bytes(32), nkeys.PREFIX_BYTE_USER)
        fd = os.open(seed_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(seed)
    public = nkeys.from_seed(seed_file.read_bytes().strip()).public_key.decode()
    return Identity(name, public, seed_file)


def identities(directory: Path, agencies: list[str]) -> tuple[Identity, dict[str, Identity]]:
    """The mesh's identity and each agency's, created on first use and reused afterwards."""
    mesh = _load_or_create(directory, MESH_USER)
    return mesh, {a: _load_or_create(directory, f"agency-{a}") for a in agencies}


def authorization_block(mesh: Identity, agencies: dict[str, Identity]) -> str:
    """The ``authorization`` section of nats-server's configuration."""
    users = [f"    {{ nkey: {mesh.public_key} }}  # the mesh's services: everything"]
    for agency, ident in sorted(agencies.items()):
        publish = json.dumps([f"incidents.report.{agency}", f"incidents.status.{agency}"])
        subscribe = json.dumps([f"{inbox_prefix(agency)}.>"])
        users.append(
            f"    {{ nkey: {ident.public_key}, permissions: {{ publish: {{ allow: {publish} }}, "
            f"subscribe: {{ allow: {subscribe} }} }} }}  # agency {agency}"
        )
    return "authorization {\n  users = [\n" + "\n".join(users) + "\n  ]\n}\n"
