"""Make the shared helpers (lab_helpers.py) importable from every scenario's tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
