"""Every example in docs/api.md runs as written against `make run`'s demo.

The demo starts as `make run` starts it (`riskdesk demo`), on a free port, in a folder of its own
that holds, like the repository's root, `examples/` and the demo's `riskdesk-demo.db`. Each ```sh
block of the document then runs with bash in that folder, in document order, so an example that
creates a customer precedes one that reads it; the variables a block sets (`RD`, `TOKEN`,
`RISKDESK_DATABASE_URL`) carry over to the next. The only change made to the text is the port:
the document's `127.0.0.1:8000` (the demo's default) becomes the free port. A block must exit 0,
every curl call must answer the status its `# → NNN` comment states (else 2xx), and a response the
document shows after a block must match the one received in shape (tests/docs/api_examples.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.docs.api_examples import Example, examples, shape_errors

ROOT = Path(__file__).resolve().parents[2]
API_MD = ROOT / "docs" / "api.md"
DOC_ADDRESS = "127.0.0.1:8000"  # `riskdesk demo`'s default port, as the document writes it
START_DEADLINE_SECONDS = 120.0  # import + 20 customers on a loaded two-core machine
_ADMIN_TOKEN = re.compile(r"^API token for admin: (rd_\S+)$", re.MULTILINE)
_STATUS_LINE = re.compile(r"^HTTP-STATUS (\d{3})$", re.MULTILINE)

# Run around each block: strict bash, variables exported so they reach the next block, and curl
# reporting each call's status on stderr (an observer only: the block's own options come last
# and win, and its output is unchanged).
PRELUDE = """\
set -a -e -u -o pipefail
trap 'env -0 > "$DOCS_ENV_OUT"' EXIT
curl() { command curl -w '%{stderr}HTTP-STATUS %{http_code}\\n' "$@"; }
"""


@dataclass(frozen=True, slots=True)
class Demo:
    folder: Path
    port: int
    admin_token: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_environment() -> dict[str, str]:
    """This process's environment without any RISKDESK_ setting: the demo and the examples
    configure themselves, as on a newcomer's machine."""
    return {k: v for k, v in os.environ.items() if not k.startswith("RISKDESK_")}


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """`riskdesk demo` serving on a free port, in a folder laid out like the repository's root."""
    for tool in ("bash", "curl", "zip"):
        if shutil.which(tool) is None:
            pytest.skip(f"the examples need {tool}: run scripts/ensure-browser.sh as root")
    folder = tmp_path_factory.mktemp("demo")
    shutil.copytree(ROOT / "examples", folder / "examples")
    port = _free_port()
    output = folder / "demo.log"
    command = [sys.executable, "-m", "web.cli", "demo", "--port", str(port)]
    command += ["--db", str(folder / "riskdesk-demo.db"), "--customers", "20"]
    with output.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=folder,
            env=_clean_environment() | {"PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
        )
    try:
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while not _healthy(port):
            if process.poll() is not None:
                pytest.fail(f"the demo exited with {process.returncode}:\n{output.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the demo did not answer /api/v1/health:\n{output.read_text()}")
            time.sleep(0.2)
        token = _ADMIN_TOKEN.search(output.read_text())
        assert token is not None, output.read_text()
        yield Demo(folder=folder, port=port, admin_token=token[1])
    finally:
        _stop(process)


def _parse_environment(dump: bytes) -> dict[str, str]:
    pairs = (entry.split("=", 1) for entry in dump.decode().split("\0") if "=" in entry)
    return {name: value for name, value in pairs}


def _run(example: Example, demo: Demo, environment: dict[str, str]) -> dict[str, str]:
    """Run one example; returns the environment it leaves for the next one."""
    script = example.script.replace(DOC_ADDRESS, f"127.0.0.1:{demo.port}")
    env_out = demo.folder / "example.env"
    env_out.unlink(missing_ok=True)
    result = subprocess.run(
        ["bash", "-c", PRELUDE + script],
        cwd=demo.folder,
        env=environment | {"DOCS_ENV_OUT": str(env_out)},
        capture_output=True,
        timeout=120,
    )
    where = f"docs/api.md:{example.line}:\n{example.script}"
    stdout, stderr = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 0, f"{where}exited {result.returncode}\n{stdout}\n{stderr}"
    statuses = tuple(int(s) for s in _STATUS_LINE.findall(stderr))
    if example.statuses:
        assert statuses == example.statuses, f"{where}answered {statuses}\n{stdout}"
    else:
        assert all(200 <= s < 300 for s in statuses), f"{where}answered {statuses}\n{stdout}"
    if example.response is not None:
        try:
            received = json.loads(stdout)
        except json.JSONDecodeError:
            pytest.fail(f"{where}shows a JSON response, printed:\n{stdout}")
        errors = shape_errors(example.response, received)
        assert not errors, f"{where}" + "\n".join(errors) + f"\nreceived:\n{stdout}"
    return _parse_environment(env_out.read_bytes())


def test_every_example_in_api_md_runs_against_the_demo(demo: Demo) -> None:
    found = examples(API_MD.read_text(encoding="utf-8"))
    assert len(found) >= 15, "docs/api.md lost its examples"
    venv_bin = str(Path(sys.executable).parent)
    environment = {
        "PATH": venv_bin + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(demo.folder),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
        "TMPDIR": str(demo.folder),  # the examples' `mktemp -d`
    }
    for example in found:
        environment = _run(example, demo, environment)
    # The document's own setup made the tokens with the CLI on the demo's database; the admin's
    # token the demo printed, which the document offers instead, acts as the admin too.
    assert environment["TOKEN"].startswith("rd_") and environment["MANAGER"].startswith("rd_")
    request = urllib.request.Request(
        f"http://127.0.0.1:{demo.port}/api/v1/me",
        headers={"Authorization": f"Bearer {demo.admin_token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response)["name"] == "admin"


def test_the_examples_cover_every_route_group() -> None:
    scripts = "\n".join(e.script for e in examples(API_MD.read_text(encoding="utf-8")))
    for route in (
        "/api/v1/health",
        "/api/v1/templates",
        "/api/v1/customers/",
        "/events",
        "/assessments",
        "/api/v1/cases",
        "/actions/",
        "/api/v1/sweep",
        "/api/v1/fx-rates",
        "/api/v1/me",
        "/api/v1/tokens",
        "/api/v1/audit?",
        "/api/v1/audit.csv",
        "/api/v1/audit/verify",
        "/api/v1/notifications",
        "/api/v1/me/delegations",
        "/api/v1/alerts",
        "/api/v1/dashboard",
    ):
        assert route in scripts, f"docs/api.md has no example calling {route}"


def test_a_renamed_field_breaks_the_shape() -> None:
    shown = {"items": [{"ref": "C1", "tier": "high"}], "next_cursor": None, "...": "more"}
    assert shape_errors(shown, {"items": [{"ref": "C9", "tier": "high"}], "next_cursor": "x"}) == []
    assert shape_errors(shown, {"items": [{"reference": "C1", "tier": "high"}]}) == [
        "$.items[0].ref: shown, missing from the response",
        "$.next_cursor: shown, missing from the response",
    ]
    assert shape_errors({"status": 409}, {"status": 422}) == ["$.status: shown 409, got 422"]


def test_the_demo_says_where_to_go_and_as_whom_once_it_serves(demo: Demo) -> None:
    log = demo.folder / "demo.log"
    deadline = time.monotonic() + 30
    wanted = f"riskdesk is ready: open http://127.0.0.1:{demo.port}/ and sign in as sales_manager"
    while wanted not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    text = log.read_text()
    assert wanted in text, text
    # the users' password, which the table above it shows too
    assert re.search(r"or admin \(everything\), password \S+\.", text)
