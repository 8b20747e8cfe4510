"""Speed only: compiled and vectorized text measurements with Python's own semantics. Nothing here knows a
rule or a stage; callers pass patterns, tables and models in."""

from __future__ import annotations

import sys
from pathlib import Path


def prepare(cache_dir: Path | None = None) -> None:
    """Set this process up for the kernels: where cached tables live (when `cache_dir` is given), and numba's
    numpy support loaded without its BLAS probe. The worker pool calls it in every worker and in-process."""
    from sft_assets.kernels.disk_cache import use_folder

    if cache_dir is not None:
        use_folder(cache_dir)
    _numpy_support_without_blas_probe()


def _numpy_support_without_blas_probe() -> None:
    """When numba first loads its numpy support it probes for SciPy's BLAS by importing scipy.linalg, which
    costs 0.4 s in every worker process. The kernels do no linear algebra, so the probe is answered
    "absent" (numba then falls back to plain loops for np.dot, which nothing here calls)."""
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return
    probe = "scipy.linalg.cython_blas"
    sys.modules[probe] = None  # type: ignore[assignment] - `import` of a None entry raises ImportError
    try:
        import numba.np.arraymath  # noqa: F401 - loaded once, with _HAVE_BLAS False
    finally:
        if sys.modules.get(probe, 0) is None:
            del sys.modules[probe]
