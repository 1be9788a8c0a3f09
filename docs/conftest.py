"""The doctests of docs/api.md run against a private cache, like the tests (tests/conftest.py),
so that a stale cache can never make an example pass."""

import os
import tempfile

os.environ.setdefault("POWERKB_CACHE", tempfile.mkdtemp(prefix="powerkb-doc-cache-"))
os.environ.pop("POWERKB_POLICIES", None)
