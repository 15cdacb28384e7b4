"""Plain pytest for the project's own code: plugins, configuration, safety rails."""

import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
# Role plugins are plain Python modules; import them directly.
sys.path.insert(0, str(PROJECT / "roles" / "users" / "filter_plugins"))
sys.path.insert(0, str(PROJECT / "roles" / "base" / "test_plugins"))
sys.path.insert(0, str(PROJECT / "roles" / "fail2ban" / "filter_plugins"))
sys.path.insert(0, str(PROJECT / "roles" / "docker" / "filter_plugins"))
sys.path.insert(0, str(PROJECT / "roles" / "traefik" / "filter_plugins"))
sys.path.insert(0, str(PROJECT / "filter_plugins"))
sys.path.insert(0, str(PROJECT / "roles" / "postgresql" / "filter_plugins"))
sys.path.insert(0, str(PROJECT / "roles" / "redis" / "filter_plugins"))
sys.path.insert(0, str(PROJECT / "roles" / "qdrant" / "filter_plugins"))
