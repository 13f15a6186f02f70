"""Writing benchmark results: figure, unit, baseline from the same run, ratio."""

from __future__ import annotations

import json
import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(samples: list[float]) -> dict[str, float]:
    """p50, p95, mean of samples."""
    return {"p50": percentile(samples, 50), "p95": percentile(samples, 95), "mean": statistics.fmean(samples),
            "n": len(samples)}


def write(name: str, *, figure: float, unit: str, baseline: float | None, baseline_label: str,
          goal: str | None = None, details: dict[str, Any] | None = None) -> Path:
    """Write bench/results/NAME.json and print a one-line summary."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    ratio = figure / baseline if baseline else None
    record = {
        "name": name, "figure": round(figure, 4), "unit": unit,
        "baseline": round(baseline, 4) if baseline is not None else None, "baseline_label": baseline_label,
        "ratio": round(ratio, 4) if ratio is not None else None, "goal": goal,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "details": details or {},
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    shown_ratio = f" ratio {ratio:.3f}" if ratio is not None else ""
    print(f"{name}: {figure:,.3f} {unit} (baseline {baseline_label}: {baseline or 0:,.3f}){shown_ratio}")
    return path


def bench_user(email: str, role: str, name: str) -> Any:
    """The benchmark's own account with `role`, created on first use."""
    from services.identity import users
    from services.identity.operator import current_operator

    found = users.find_by_email(email)
    if found is None:
        found = users.create_user(current_operator(), email, role, full_name=name,
                                  password=f"{email}-bench-password").user
    return found
