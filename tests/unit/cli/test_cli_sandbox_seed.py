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
