"""The AI gateway: every model call in Workbench goes through `complete` (LiteLLM underneath)."""

from services.llm.gateway import Completion, complete, gateway_status

__all__ = ["Completion", "complete", "gateway_status"]
