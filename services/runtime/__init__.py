"""Runtime: what runs without a person asking — the list of every domain's scheduled jobs (`jobs`), handed
to the scheduler in `services/core/scheduler.py` by the app and (soon) the workers."""
