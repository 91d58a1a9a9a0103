"""scripts/demo.sh: the port it serves on comes from PORT."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "scripts" / "demo.sh"


def test_demo_refuses_a_port_that_is_not_a_number_before_setting_anything_up():
    """PORT=eighty stops the demo at once with a message naming PORT, before any set-up runs."""
    result = subprocess.run(
        ["bash", str(DEMO)], env={**os.environ, "PORT": "eighty"}, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "PORT must be a number from 1 to 65535, not 'eighty'." in result.stderr
    assert result.stdout == ""
