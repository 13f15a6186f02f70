"""Genie page state: one conversation's turns (question, SQL, rows, attempts), asked in the background."""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import quote

import reflex as rx

from services.core.errors import WorkbenchError
from services.genie import ask as genie
from services.genie import suggest
from services.llm import providers
from workbench.formatting import cell
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls

SHOWN_ROWS = 50
LOCAL_CHOICE = "default model"


def _summary(count: int) -> str:
    shown = f" (first {SHOWN_ROWS} shown)" if count > SHOWN_ROWS else ""
    return f"{count:,} row{'' if count == 1 else 's'}{shown}"


def _turn(answer: genie.GenieAnswer) -> dict:
    return {
        "id": answer.turn_id, "question": answer.question, "status": answer.status, "sql": answer.sql,
        "explanation": answer.explanation, "message": answer.message, "columns": answer.columns,
        "rows": [[cell(v) for v in row] for row in answer.rows[:SHOWN_ROWS]],
        "summary": _summary(len(answer.rows)) if answer.status == "answered" else "",
        "attempts": [{"sql": a.sql, "error": a.error} for a in answer.attempts],
        "open_href": "/sql?sql=" + quote(answer.sql) if answer.sql else "", "rating": "",
    }


class GenieState(ServiceCalls, rx.State):
    turns: list[dict] = []
    conversation_id: str = ""
    draft: str = ""
    asking: bool = False
    model: str = LOCAL_CHOICE
    models: list[str] = [LOCAL_CHOICE]
    samples: list[str] = []
    stage: str = ""  # what the question being answered is at (finding tables, writing SQL, …)

    async def load(self):
        if await self._ready_auth() is None:
            return
        if not self.conversation_id:
            self.conversation_id = str(uuid.uuid4())
        self.models = [LOCAL_CHOICE, *await asyncio.to_thread(providers.offered_models)]
        user, _ip = await acting_user(self)
        found = await self._call(suggest.sample_questions, user)
        self.samples = [] if found is FAILED else found
        if self.model not in self.models:
            self.model = LOCAL_CHOICE

    def set_model(self, value: str):
        self.model = value

    def set_draft(self, text: str):
        self.draft = text

    def new_conversation(self):
        self.turns, self.conversation_id, self.error = [], str(uuid.uuid4()), ""

    def ask_sample(self, question: str):
        """One click on a sample question asks it."""
        return GenieState.ask({"question": question})

    @rx.event(background=True)
    async def ask(self, form: dict):
        """Send the question; the answer arrives when the model and the database are done."""
        question = str(form.get("question", "")).strip()
        async with self:
            if self.asking or not question:
                return
            self.asking, self.error, self.draft, self.stage = True, "", "", "Starting"
            self.turns = [*self.turns, {"id": "", "question": question, "status": "thinking", "sql": "",
                                        "explanation": "", "message": "", "columns": [], "rows": [],
                                        "summary": "", "attempts": [], "open_href": "", "rating": ""}]
            user, ip = await acting_user(self)
            conversation = self.conversation_id
            model = None if self.model == LOCAL_CHOICE else self.model
        loop = asyncio.get_running_loop()

        async def show(stage: str) -> None:
            async with self:
                self.stage = stage[:1].upper() + stage[1:]

        def progress(stage: str) -> None:  # called on the worker thread at each stage
            asyncio.run_coroutine_threadsafe(show(stage), loop)

        try:
            answer = await asyncio.to_thread(genie.ask, user, question, conversation_id=conversation, model=model,
                                             client_address=ip, progress=progress)
        except WorkbenchError as exc:
            async with self:
                self.turns = self.turns[:-1]
                self.asking, self.error = False, str(exc)
            return
        async with self:
            self.turns = [*self.turns[:-1], _turn(answer)]
            self.asking = False

    async def rate(self, turn_id: str, rating: int):
        """Thumbs up or down; approved answers teach Genie for similar questions."""
        user, _ip = await acting_user(self)
        if await self._call(genie.rate, user, turn_id, rating) is FAILED:
            return
        self.turns = [{**t, "rating": "up" if rating == 1 else "down"} if t["id"] == turn_id else t
                      for t in self.turns]
