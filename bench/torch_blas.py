"""Which BLAS this PyTorch multiplies with, so the bench never again compares against a slow peer.

Debian's python3-torch links the generic libblas.so.3; the alternatives system decides which
library that is. With only libblas3 installed it is the reference (netlib) BLAS, about 4x slower
than OpenBLAS for these models: such a PyTorch is not the peer a user would run.

Three witnesses, recorded side by side: torch's own build string (BLAS_INFO), the libblas.so.3
alternative (update-alternatives, else readlink -f) and the BLAS library actually mapped into this
process after a matrix product (/proc/self/maps), which is the one that decides.
"""
import os
import re
import subprocess

import torch

LIBBLAS = "/usr/lib/x86_64-linux-gnu/libblas.so.3"
ALTERNATIVE = "libblas.so.3-x86_64-linux-gnu"
FIX = "apt-get install -y libopenblas0-pthread (Debian), then rerun the bench"


def alternative() -> str:
    """The file the libblas.so.3 link resolves to: the alternatives' value, else readlink -f."""
    try:
        query = subprocess.run(["update-alternatives", "--query", ALTERNATIVE], capture_output=True, text=True, timeout=10)
        match = re.search(r"^Value: (.+)$", query.stdout, re.MULTILINE)
        if match:
            return match.group(1).strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return os.path.realpath(LIBBLAS) if os.path.exists(LIBBLAS) else "none"


def mapped_libraries() -> list:
    """BLAS-like shared libraries mapped into this process once torch has multiplied matrices."""
    a = torch.rand(64, 64)
    (a @ a).sum().item()
    found = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                name = os.path.basename(path).lower()
                if path.startswith("/") and re.search(r"blas|mkl|blis|atlas", name) and path not in found:
                    found.append(path)
    except OSError:
        pass
    return found


def kind(paths: list) -> str:
    """openblas, mkl, blis, atlas, reference (netlib libblas3) or unknown, from library paths."""
    joined = " ".join(paths).lower()
    for name in ("openblas", "mkl", "blis", "atlas"):
        if name in joined:
            return name
    # libblas3 installs the reference BLAS as .../blas/libblas.so.3.
    if "/blas/libblas.so" in joined:
        return "reference"
    return "unknown"


def blas_report() -> dict:
    config = torch.__config__.show()
    info = re.search(r"BLAS_INFO=([^,\s]+)", config)
    build = info.group(1) if info else "unknown"
    mapped = mapped_libraries()
    resolved = alternative()
    if mapped:
        found = kind(mapped)
    elif build.lower() in ("mkl", "open", "openblas"):
        # A pip wheel links its BLAS statically: nothing is mapped, the build string names it.
        found = "mkl" if build.lower() == "mkl" else "openblas"
    else:
        found = kind([resolved])
    fair = found in ("openblas", "mkl", "blis")
    report = {
        "kind": found,
        "fairPeer": fair,
        "torchBlasInfo": build,
        "libblasAlternative": resolved,
        "mapped": mapped,
    }
    if not fair:
        report["fix"] = FIX
    return report


if __name__ == "__main__":
    import json

    # The bench's check before any PyTorch row: the version, the default threads and the BLAS.
    print(json.dumps({"version": torch.__version__, "defaultThreads": torch.get_num_threads(), **blas_report()}))
