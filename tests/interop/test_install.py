"""The installer behind the interop fixtures: failure classification and the cache lock (no network)."""

from __future__ import annotations

import fcntl
import sys

import pytest

from . import _install


def fake(output: str, code: int = 1) -> list[str]:
    return [sys.executable, "-c", f"import sys; print({output!r}); sys.exit({code})"]


@pytest.mark.parametrize(
    "output",
    [
        "npm error code ENOTFOUND\nnpm error request to https://registry.npmjs.org/x failed",
        "npm error code ECONNREFUSED",
        "WARNING: Retrying ... NewConnectionError('Failed to establish a new connection')",
        "error: Request failed after 3 retries\n  Caused by: error sending request for url (https://pypi.org/simple/x/)",
    ],
)
def test_network_failure_means_registry_unreachable(output: str) -> None:
    with pytest.raises(_install.RegistryUnreachable, match="registry unreachable"):
        _install.run_installer(fake(output), registry="npm")


def test_other_failure_is_an_install_error() -> None:
    with pytest.raises(_install.InstallFailed, match="E404"):
        _install.run_installer(fake("npm error code E404 Not Found - no such package"), registry="npm")


def test_success_returns_the_output() -> None:
    assert "added 3 packages" in _install.run_installer(fake("added 3 packages", 0), registry="npm")


def test_missing_package_manager() -> None:
    with pytest.raises(_install.InstallFailed, match="not installed"):
        _install.run_installer(["mcpclient-no-such-package-manager"], registry="npm")


def test_cache_lock_is_exclusive_across_open_files() -> None:
    with (
        _install._locked("test-lock"),
        open(_install.CACHE / "test-lock.lock", "a+") as other,
        pytest.raises(BlockingIOError),
    ):
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(_install.CACHE / "test-lock.lock", "a+") as other:  # released on exit
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)
