"""The suites rely on pytest-xdist's `--dist loadgroup` to run a module whose fixture is expensive (a
local workspace, four applied environments, two package builds, the shared plans) on one worker. A
pytest that xdist cannot group with stops that silently (pytest-dev/pytest-xdist#1386): this fails then."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.pure


@pytest.mark.xdist_group("grouping-check")
def test_a_grouped_test_is_scheduled_as_its_group(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):  # set on xdist's workers under --dist loadgroup
        pytest.skip("only under pytest -n … --dist loadgroup (make test)")
    assert request.node.nodeid.endswith("@grouping-check"), request.node.nodeid
