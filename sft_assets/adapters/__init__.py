"""One adapter per third-party internal this project relies on, each with a version check, so that the
dependency on a private entry point is visible in one place and fails loudly on an unknown release."""

from __future__ import annotations

from importlib.metadata import version


class UnsupportedVersion(ImportError):
    pass


def require_version(package: str, supported: tuple[str, ...], found: str | None = None) -> str:
    """The installed version of `package` (or `found`), when it starts with one of `supported`."""
    found = found if found is not None else version(package)
    if not found.startswith(supported):
        raise UnsupportedVersion(f"sft-assets uses private internals of {package} {' or '.join(supported)}; "
                                 f"{found} is installed (pin it, or update sft_assets/adapters)")
    return found
