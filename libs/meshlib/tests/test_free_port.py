"""Ports picked for the servers a test or `make run`'s test starts lie outside the kernel's ephemeral range, where
no outgoing connection can take them before the server binds them, and are never handed out twice."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from meshlib.devstack import servers
from meshlib.devstack.servers import LOWEST_PORT, ephemeral_ports, free_port


def test_a_picked_port_is_below_the_ephemeral_range_bindable_and_not_picked_again() -> None:
    low, _ = ephemeral_ports()
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == len(ports)
    assert all(LOWEST_PORT <= p < low for p in ports)
    with socket.socket() as s:
        s.bind(("127.0.0.1", ports[-1]))


def test_a_port_in_use_is_passed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    """With two ports to choose from and a server listening on the first, the second is the one picked."""
    for first in range(21000, 29000, 2):  # two neighbours free right now (and not handed out by the test above)
        if all(_bindable(p) for p in (first, first + 1)):
            break
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", first))
        listener.listen()
        monkeypatch.setattr(servers, "LOWEST_PORT", first)
        monkeypatch.setattr(servers, "ephemeral_ports", lambda: (first + 2, 60999))
        assert free_port() == first + 1


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_the_range_is_read_from_the_kernel_or_linuxs_default(tmp_path: Path) -> None:
    kernel = tmp_path / "ip_local_port_range"
    kernel.write_text("40000\t50000\n")
    assert ephemeral_ports(kernel) == (40000, 50000)
    assert ephemeral_ports(tmp_path / "absent") == (32768, 60999)
