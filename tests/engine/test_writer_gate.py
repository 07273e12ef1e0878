"""The SQLite writer gate: writers of every process on one file wait in line for each other."""

from __future__ import annotations

import threading
from pathlib import Path

from engine.db import WriterGate


def test_a_second_process_waits_at_the_gate_until_the_first_leaves(tmp_path: Path) -> None:
    # two gates on one file stand for two processes: flock locks of two open files conflict
    path = str(tmp_path / "riskdesk.db")
    first, second = WriterGate(path), WriterGate(path)
    entered = threading.Event()
    order: list[str] = []

    def other_process() -> None:
        with second.held():
            order.append("second")
            entered.set()

    with first.held():
        thread = threading.Thread(target=other_process)
        thread.start()
        assert not entered.wait(timeout=0.3), "the second writer got in while the first held"
        order.append("first done")
    thread.join(timeout=10)
    assert order == ["first done", "second"]
    assert (tmp_path / "riskdesk.db-writer.lock").exists()
    first.close()
    second.close()


def test_the_gate_may_be_taken_again_by_its_holder(tmp_path: Path) -> None:
    gate = WriterGate(str(tmp_path / "riskdesk.db"))
    with gate.held(), gate.held():
        pass
    with gate.held():  # released by the outer exit: free again
        pass
    gate.close()


def test_without_a_folder_for_its_file_the_gate_still_lets_writers_through(
    tmp_path: Path,
) -> None:
    gate = WriterGate(str(tmp_path / "no such folder" / "riskdesk.db"))
    with gate.held():
        pass


def test_a_writer_kept_waiting_past_its_patience_goes_on_without_the_gate(
    tmp_path: Path,
) -> None:
    """SQLite's busy timeout then decides, as without the gate: the gate never hangs."""
    path = str(tmp_path / "riskdesk.db")
    holder, waiter = WriterGate(path), WriterGate(path, patience=0.2)
    with holder.held(), waiter.held():
        pass  # reached although the holder still holds the file lock
    holder.close()
    waiter.close()
