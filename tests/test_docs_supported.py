"""docs/supported.md is generated from the rule tables; it must match them exactly."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_supported_functions_page_is_generated_from_the_rule_tables():
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import supported_docs
    finally:
        sys.path.pop(0)
    text = supported_docs.render()
    assert "`np.tanh`" in text and "`np.sum`" in text
    on_disk = (REPO / "docs" / "supported.md").read_text()
    assert on_disk == text, "docs/supported.md is stale: run python tools/supported_docs.py"


def test_the_check_mode_runs():
    done = subprocess.run([sys.executable, str(REPO / "tools" / "supported_docs.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
