"""Administering a running API: the admin token, and reloads that happen one at a time.

``POST /admin/reload`` changes what every caller gets, so it needs a credential. The token
comes from ``$DEMO_ADMIN_TOKEN`` or, when that is unset, from ``serving/admin-token`` in the
workspace (created on first use, readable by its owner only); ``make api`` prints it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from starlette.datastructures import State

from demo.deployment_layer.serving import ModelSet
from demo.settings import Settings

ADMIN_TOKEN_ENV = "DEMO_ADMIN_TOKEN"


def admin_token_path(settings: Settings) -> Path:
    return settings.serving_dir / "admin-token"


def admin_token(settings: Settings) -> str:
    """The token ``/admin/reload`` requires: the environment's, else the workspace's own."""
    given = os.environ.get(ADMIN_TOKEN_ENV, "").strip()
    if given:
        return given
    path = admin_token_path(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=False)  # readable by its owner only, from the start
        path.write_text(secrets.token_urlsafe(32) + "\n")
    return path.read_text().strip()


@dataclass(frozen=True)
class ReloadOutcome:
    """The set served after a reload call; ``reason`` says why nothing changed, if so."""

    models: ModelSet
    reloaded: bool
    reason: str = ""


class Reloader:
    """Swaps in a freshly loaded ``ModelSet``, one load at a time, newest always wins.

    Callers that arrive while a load runs wait for the next load, which starts after they
    asked and so sees the registry as it was when they called; one load serves all of them
    (a storm of 20 calls costs at most two loads). Loads run under a lock, so a slow load
    can never swap an older set in after a newer one; each swap raises ``generation``.
    """

    def __init__(self, load: Callable[[], Awaitable[ModelSet]]) -> None:
        self._load = load
        self._lock = asyncio.Lock()
        self._calls = 0  # reload calls received so far
        self._covered = 0  # calls answered by a load that started after they arrived
        self._outcome: ReloadOutcome | None = None  # what the last load gave

    async def reload(self, state: State) -> ReloadOutcome:
        """Load, and swap the new set into ``state.models`` unless the registry lost its
        champion."""
        self._calls += 1
        ticket = self._calls
        async with self._lock:
            if self._outcome is not None and self._covered >= ticket:
                return self._outcome  # a load that began after this call already ran
            covers = self._calls
            fresh = await self._load()
            serving: ModelSet = state.models
            if fresh.champion is None and serving.champion is not None:
                self._outcome = ReloadOutcome(serving, False, fresh.not_ready_reason)
            else:
                state.models = replace(fresh, generation=serving.generation + 1)
                self._outcome = ReloadOutcome(state.models, True)
            self._covered = covers
            return self._outcome
