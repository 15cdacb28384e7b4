"""Plain pytest for the project's own code. Its Python is the in-tree
collection tapbot.platform (plugins/, linked under collections/): the tests
import it as Ansible does, ansible_collections.tapbot.platform.plugins.*."""

import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "collections"))
