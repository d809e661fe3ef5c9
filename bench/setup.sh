#!/bin/sh
# Install the PyTorch baseline of the benchmark (Debian packages, no pip, no network beyond apt) and check that
# torch multiplies through OpenBLAS, not the reference BLAS (about 6 GFLOP/s instead of about 175 on 2 cores).
# libjemalloc2: bench/run.ts runs PyTorch with jemalloc set to keep freed memory (the usual PyTorch CPU tuning);
# with glibc's allocator every large tensor comes from fresh pages, which costs PyTorch several times its
# compute time on machines with slow page faults (docs/benchmarks.md has the numbers).
# Also builds the optional native BLAS addon (@vlprompt/native-blas) if npm did not.
#   sh bench/setup.sh          (idempotent: installs nothing when everything is present)
set -eu

# Debian's torch lives in the system interpreter's dist-packages; a pyenv/venv python3 earlier on PATH does not
# see it. bench/run.ts uses the same interpreter (override both with VLPROMPT_BENCH_PYTHON).
PYTHON="${VLPROMPT_BENCH_PYTHON:-/usr/bin/python3}"

packages="python3-torch python3-numpy libopenblas0-pthread libjemalloc2"
missing=""
for pkg in $packages; do
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then :; else missing="$missing $pkg"; fi
done

if [ -z "$missing" ]; then
  echo "bench/setup: $packages already installed, nothing to do"
else
  echo "bench/setup: installing$missing"
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
fi

if [ ! -f packages/native-blas/build/vlprompt_blas.node ] && [ -f packages/native-blas/build.mjs ]; then
  node packages/native-blas/build.mjs
fi

# Which BLAS does the blas.so.3 alternative point to, and how fast is torch's sgemm?
echo "bench/setup: libblas.so.3 -> $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo unknown)"
"$PYTHON" - <<'PY'
import sys, time
import numpy as np
import torch

torch.set_num_threads(2)
n = 1024
a = torch.randn(n, n)
b = torch.randn(n, n)
for _ in range(3):
    a @ b
runs = 10
start = time.perf_counter()
for _ in range(runs):
    a @ b
elapsed = (time.perf_counter() - start) / runs
gflops = 2 * n ** 3 / elapsed / 1e9
print(f"bench/setup: torch {torch.__version__} float32 matmul {n}x{n}: {gflops:.1f} GFLOP/s ({torch.get_num_threads()} threads)")
x = np.random.rand(n, n).astype(np.float32)
for _ in range(3):
    x @ x
start = time.perf_counter()
for _ in range(runs):
    x @ x
np_gflops = 2 * n ** 3 / ((time.perf_counter() - start) / runs) / 1e9
print(f"bench/setup: numpy {np.__version__} sgemm {n}x{n}: {np_gflops:.1f} GFLOP/s")
# Judge by the library actually mapped into the process, not by speed alone: a busy machine slows OpenBLAS too.
mapped = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.lower() and "/" in line})
print("bench/setup: BLAS libraries in this process: " + (", ".join(mapped) or "none"))
load = open("/proc/loadavg").read().split()[0]
if not any("openblas" in path for path in mapped):
    sys.exit(
        f"bench/setup: FAILED: torch multiplies without OpenBLAS ({gflops:.1f} GFLOP/s): the reference BLAS is about 6 GFLOP/s. "
        "Install libopenblas0-pthread and check `update-alternatives --display libblas.so.3-x86_64-linux-gnu`."
    )
if gflops < 100:
    print(f"bench/setup: note: {gflops:.0f} GFLOP/s is below the ~175 of 2 idle cores; load average {load}, so timings taken now are inflated")
PY
