import os
import threading

import pytest
from django.utils import translation

from tests.support.races import ProcessDied, all_at_once


def test_every_call_runs_at_once_and_each_outcome_comes_back_in_order():
    waiting = threading.Barrier(3, timeout=10)  # passes only if all three run together

    def call(n):
        waiting.wait()
        if n == 1:
            raise ValueError("refused")
        return n, translation.get_language()

    outcomes = all_at_once([lambda n=n: call(n) for n in range(3)], language="en")

    assert outcomes[0] == (0, "en") and outcomes[2] == (2, "en")
    assert isinstance(outcomes[1], ValueError)


def test_a_call_still_running_after_the_timeout_is_an_error():
    release = threading.Event()
    try:
        with pytest.raises(TimeoutError):
            all_at_once([lambda: release.wait(10)], timeout=0.2)
    finally:
        release.set()


def test_in_processes_each_outcome_comes_back_and_a_crash_is_a_process_died():
    def crash():
        os._exit(3)

    outcomes = all_at_once(
        [lambda: os.getpid(), crash, lambda: translation.get_language()],
        language="en",
        processes=True,
    )

    assert outcomes[0] != os.getpid() and outcomes[2] == "en"
    assert isinstance(outcomes[1], ProcessDied) and outcomes[1].exitcode == 3
