"""Each third-party internal is reached through one adapter that checks the installed version."""

from __future__ import annotations

import pytest

from sft_assets.adapters import UnsupportedVersion, bpe_openai, py3langid, require_version


def test_an_unknown_release_fails_loudly_with_the_package_and_version() -> None:
    with pytest.raises(UnsupportedVersion, match=r"py3langid 0\.4\..*0\.5\.0 is installed"):
        require_version("py3langid", py3langid.SUPPORTED, found="0.5.0")
    assert require_version("bpe-openai", bpe_openai.SUPPORTED).startswith(bpe_openai.SUPPORTED)
    assert require_version("py3langid", py3langid.SUPPORTED).startswith(py3langid.SUPPORTED)


def test_the_adapters_load_working_models() -> None:
    assert bpe_openai.counter("cl100k_base")("hello world") == 2
    assert py3langid.identifier().classify("Der Himmel ist heute sehr blau und die Sonne scheint.")[0] == "de"
