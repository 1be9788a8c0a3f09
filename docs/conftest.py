"""The doctests of docs/api.md run against a private cache, like the tests (tests/conftest.py),
so that a stale cache can never make an example pass; it is removed at the end of the session."""

import os
import shutil

import pytest

os.environ.pop("POWERKB_POLICIES", None)
os.environ.pop("POWERKB_UNCHECKED", None)


@pytest.fixture(scope="session", autouse=True)
def private_doc_cache(tmp_path_factory):
    path = tmp_path_factory.mktemp("powerkb-doc-cache")
    os.environ["POWERKB_CACHE"] = str(path)
    yield path
    shutil.rmtree(path, ignore_errors=True)
