"""The app served by gunicorn as in production, for the tests that go over real HTTP (the browser tests, the
2,000 voters, the rush of sign-ups): start it on a free port against a given environment, wait until it answers,
stop it; post many API requests at once."""
from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv's bin: gunicorn lives beside python
START_TIMEOUT = 60.0  # seconds for gunicorn to answer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _control_socket(folder: Path) -> list[str]:
    """The server's own control socket: recent gunicorn (27 here) otherwise shares ~/.gunicorn/gunicorn.ctl with
    every other gunicorn of the user, each new one unlinking the last one's socket."""
    from gunicorn.config import KNOWN_SETTINGS
    if not any(setting.name == "control_socket" for setting in KNOWN_SETTINGS):
        return []
    path = folder / "gunicorn.ctl"
    return ["--control-socket", str(path)] if len(str(path)) < 100 else ["--no-control-socket"]  # AF_UNIX: 108


def start(env: dict[str, str], folder: Path, *options: str) -> tuple[subprocess.Popen, str]:
    """gunicorn wsgi:app with these options (workers, threads) on a free port; its output in folder/gunicorn.log."""
    port = free_port()
    with open(folder / "gunicorn.log", "wb") as log:  # a file, not a pipe: a full pipe would block the server
        process = subprocess.Popen([str(BIN / "gunicorn"), *options, "-b", f"127.0.0.1:{port}",
                                    *_control_socket(folder), "wsgi:app"], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}"


def wait_until_up(process: subprocess.Popen, url: str, folder: Path, fail: Callable[[str], None]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not _answers(f"{url}/api/v1/openapi.json"):
        if process.poll() is not None or time.monotonic() > deadline:
            why = f"exited with {process.returncode}" if process.poll() is not None else \
                f"did not answer within {START_TIMEOUT:.0f} s"
            log = (folder / "gunicorn.log").read_text(errors="replace")
            print(f"gunicorn {why}; its output:\n{log}", file=sys.stderr)
            fail(f"the live server {why}:\n{log}")
        time.sleep(0.05)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()  # SIGTERM: gunicorn's graceful stop; the workers are idle by now
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def app_on(database_url: str, folder: Path, fail: Callable[[str], None]) -> Iterator[str]:
    """The app on this database, 4 workers × 2 threads, with none of this process's own settings; its URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UNIONFLOW_", "DATABASE_URL", "FLASK_"))}
    env.update(DATABASE_URL=database_url, UNIONFLOW_STORAGE=str(folder / "storage"), SECRET_KEY=secrets.token_hex(16))
    process, url = start(env, folder, "-w", "4", "--threads", "2")
    try:
        wait_until_up(process, url, folder, fail)
        yield url
    finally:
        stop(process)


def post_all(url: str, path: str, requests: list[tuple[str, object]], clients: int) -> list[tuple[int, object]]:
    """POST (API token, JSON body) pairs to `path` from `clients` threads at once, each over one keep-alive
    connection, one request after another: (status, JSON answer) per request."""
    where = urlparse(url)

    def client(share: list[tuple[str, object]]) -> list[tuple[int, object]]:
        connection = http.client.HTTPConnection(where.hostname, where.port, timeout=120)
        answers = []
        for token, body in share:
            connection.request("POST", path, body=json.dumps(body),
                               headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            response = connection.getresponse()
            answers.append((response.status, json.loads(response.read())))
        connection.close()
        return answers

    with ThreadPoolExecutor(clients) as pool:
        return [a for answers in pool.map(client, [requests[i::clients] for i in range(clients)]) for a in answers]
