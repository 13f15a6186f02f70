"""Data quality (PRD 3.5): profiling, tests as code, scores and SLOs. Empty until its issue lands."""
