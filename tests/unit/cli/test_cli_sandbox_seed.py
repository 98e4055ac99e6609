"""``connector sandbox --seed``: the sandboxes are filled and the CLI says so."""

from __future__ import annotations

import requests
from click.testing import CliRunner

from connector.cli import main
from connector.cli_sandbox import seed_sandboxes
from sandbox.serve import start_sandboxes


def test_seed_demo_and_generated_products():
    boxes = start_sandboxes("127.0.0.1", 0, 0)
    try:
        line = seed_sandboxes(boxes, "demo")
        assert line.startswith("seeded the demo retailer: commercetools ")
        stats = requests.get(f"{boxes.ct.url}/_sandbox/stats", timeout=10).json()
        assert stats
        line = seed_sandboxes(boxes, "7")
        assert "seeded 7 product(s)" in line and "7 products" in line
    finally:
        boxes.stop()


def test_seed_value_is_checked():
    result = CliRunner().invoke(main, ["sandbox", "--seed", "lots"])
    assert result.exit_code == 2
    assert "--seed" in result.output


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_one_request(monkeypatch, args: list[str]) -> list[str]:
    """Run ``connector sandbox`` until its first sleep, call the CT sandbox once,
    then interrupt it; the werkzeug access lines it formatted."""
    import logging
    import time

    from sandbox import serving

    lines: list[str] = []
    monkeypatch.setattr(
        serving.WSGIRequestHandler,
        "log",
        lambda self, type, message, *a: lines.append(message % a),
    )
    # unset, as in a fresh process (werkzeug then logs at INFO); restored after
    monkeypatch.setattr(logging.getLogger("werkzeug"), "level", logging.NOTSET)
    ct_port, fluent_port = _free_port(), _free_port()

    def first_sleep(_: float) -> None:
        url = f"http://127.0.0.1:{ct_port}"
        requests.get(f"{url}/_sandbox/calls", timeout=5).json()
        requests.get(f"{url}/demo-shop/orders", timeout=5)
        raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", first_sleep)
    ports = ["--ct-port", str(ct_port), "--fluent-port", str(fluent_port)]
    result = CliRunner().invoke(main, ["sandbox", *ports, *args])
    assert result.exit_code == 0, result.output
    return lines


def test_no_access_log_formats_no_request_lines(monkeypatch):
    assert len(_serve_one_request(monkeypatch, [])) == 2  # werkzeug's default
    assert _serve_one_request(monkeypatch, ["--no-access-log"]) == []
