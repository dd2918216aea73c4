"""Database backend: PostgreSQL, embedded when DATABASE_URL is unset (see base.py)."""

import warnings

# platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); its fallback is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
