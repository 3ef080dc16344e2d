"""What a service's refusal says, for tests that send a gRPC call it must refuse."""

from __future__ import annotations

from collections.abc import Awaitable

import grpc
import pytest

from meshlib.errors import DomainError


async def refused(call: Awaitable[object]) -> tuple[str, str | None]:
    """The rule and the field ``call`` is refused with (it fails the test if the call is not a refusal)."""
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    error = DomainError.from_rpc_error(err.value)
    assert error is not None, err.value
    return error.rule, error.field
