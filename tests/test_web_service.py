"""The web service's caches and its Monte Carlo lock: comparisons and coalitions that need no
simulation never wait behind the projections; those keyed by the user's parameters live in a cache
bounded by bytes that cannot evict the replays; coalitions carry the allocation's notes (a 2022
Assembly with projected runoffs says so). Behaviour only: no assertion on timings."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from hemicycle.web import create_app  # noqa: E402
from hemicycle.web.service import _Memo  # noqa: E402


class CountingLock:
    """A lock that counts how often it is taken."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.taken = 0

    def __enter__(self) -> CountingLock:
        self._lock.acquire()
        self.taken += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()


@pytest.fixture(scope="module")
def app(store_path: Path, round2_2022: bool):
    from hemicycle import session as api
    from hemicycle.data.store import Store
    from hemicycle.sim import pipeline as sim

    # round2_2022 opens the store read-write: before this app opens it read-only; the transfers
    # that 2002 and 2022 project with are learnt first (cached on disk): no request waits on them
    with Store(store_path) as st:
        for year in (2002, 2022):
            sim.pooled(api.Session(st).default_training(year) or (), st)
    # a time limit: a request stuck behind a held lock gets a 504, the test never hangs
    app = create_app(store_path, timeout_s=120)
    yield app
    app.state.service.stores.close()


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


# ----- the Monte Carlo lock ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/elections/2024/compare?systems=dhondt:threshold=0.0312",
        "/api/elections/2024/compare?systems=actual,plurality,sainte_lague,mixed&unit=bloc",
        "/api/elections/2024/coalitions?system=sainte_lague:threshold=0.0312&unit=nuance",
        "/api/elections/2024/coalitions?system=actual",  # round 2 is in the data: no simulation
    ],
)
def test_analyses_without_simulation_do_not_wait_for_the_projections(
    app, client: TestClient, path: str
) -> None:
    """While a projection holds the Monte Carlo, a comparison or coalition analysis that needs
    none answers (before the fix it waited for the lock: a 504 here)."""
    svc = app.state.service
    with svc.sim_lock:  # a projection running
        r = client.get(path)
    assert r.status_code == 200, r.text


def test_only_simulated_runoffs_take_the_lock(app, client: TestClient) -> None:
    """The projector takes the lock, and only it: ``projected`` and the two-round variants do
    (trained on 1997 for 2002), the proportional systems do not."""
    svc = app.state.service
    real, svc.sim_lock = svc.sim_lock, CountingLock()
    try:
        r = client.get("/api/elections/2002/compare?systems=dhondt,hare,plurality&unit=bloc")
        assert r.status_code == 200, r.text
        assert svc.sim_lock.taken == 0
        r = client.get("/api/elections/2002/coalitions?system=projected&unit=bloc")
        assert r.status_code == 200, r.text
        assert svc.sim_lock.taken >= 1
        before = svc.sim_lock.taken
        r = client.get("/api/elections/2002/compare?systems=two_round_no_withdrawals&unit=bloc")
        assert r.status_code == 200, r.text
        assert svc.sim_lock.taken > before
    finally:
        svc.sim_lock = real


# ----- coalitions carry the allocation's notes ---------------------------------------------------


def test_coalitions_of_a_year_between_the_rounds_say_the_seats_are_projected(
    client: TestClient, without_2022_round2: None
) -> None:
    coal = client.get("/api/elections/2022/coalitions?system=actual&unit=bloc")
    assert coal.status_code == 200, coal.text
    notes = coal.json()["notes"]
    assert any("round 2 is not in the store" in n for n in notes)
    assert any("runoffs never held" in n and "projected" in n for n in notes)
    cmp = client.get("/api/elections/2022/compare?systems=actual&unit=bloc").json()
    assert notes == cmp["systems"][0]["notes"]  # the same allocation, the same notes


def test_coalitions_of_the_official_outcome_have_no_projection_note(client: TestClient) -> None:
    d = client.get("/api/elections/2024/coalitions?system=actual").json()
    assert not any("projected" in n for n in d["notes"])
    dhondt = client.get("/api/elections/2024/coalitions?system=dhondt").json()
    assert any("5.0% threshold" in n for n in dhondt["notes"])


# ----- caches ------------------------------------------------------------------------------------


def test_memo_bounded_by_bytes_keeps_the_latest() -> None:
    memo = _Memo(max_bytes=250)
    for i in range(10):
        assert memo.get(("k", i), lambda i=i: bytes([i]) * 100) == bytes([i]) * 100
        assert memo.nbytes <= 250
    assert len(memo) == 2
    calls: list[int] = []

    def make(i: int) -> bytes:
        calls.append(i)
        return bytes([i]) * 100

    memo.get(("k", 9), lambda: make(9))  # kept: not made again
    memo.get(("k", 0), lambda: make(0))  # evicted long ago: made again
    assert calls == [0]
    big = memo.get(("big",), lambda: b"x" * 1000)  # larger than the budget: returned, not kept
    assert big == b"x" * 1000 and len(memo) == 2 and memo.nbytes <= 250


def test_memo_bounded_by_count_as_before() -> None:
    memo = _Memo(size=3)
    for i in range(5):
        memo.get((i,), lambda i=i: [i])
    assert len(memo) == 3 and memo.nbytes == 0


def test_user_parameterised_analyses_cannot_evict_the_replays(store_path: Path) -> None:
    """A flood of coalitions with fresh thresholds stays within its byte budget and leaves the
    server's own cache (replays, results) alone."""
    app = create_app(store_path, timeout_s=60)
    svc = app.state.service
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get("/api/elections/2024/results").status_code == 200
        first = c.get("/api/elections/2024/coalitions?system=sainte_lague:threshold=0.0101")
        assert first.status_code == 200
        budget = int(2.5 * len(first.content))
        svc.analyses_memo = _Memo(max_bytes=budget)
        own = set(svc.memo.keys())
        for i in range(6):
            r = c.get(f"/api/elections/2024/coalitions?system=sainte_lague:threshold=0.01{i:02d}")
            assert r.status_code == 200, r.text
            assert svc.analyses_memo.nbytes <= budget
        assert len(svc.analyses_memo) == 2
        assert ("replay", 2024) in svc.memo and ("results", 2024) in svc.memo
        assert not [
            k for k in svc.memo.keys() if k not in own and k[0] in ("coalitions", "compare")
        ]
    svc.stores.close()
