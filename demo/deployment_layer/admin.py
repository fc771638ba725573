"""Administering a running API: the admin token, and reloads that happen one at a time.

``POST /admin/reload`` changes what every caller gets, so it needs a credential. The token
comes from ``$DEMO_ADMIN_TOKEN`` or, when that is unset, from ``serving/admin-token`` in the
workspace (created on first use, readable by its owner only); ``make api`` prints it.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated

from fastapi import Header, HTTPException, Request
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


def require_admin(request: Request, authorization: Annotated[str, Header()] = "",
                  content_type: Annotated[str, Header()] = "") -> None:
    """A bearer token equal to the admin token, on a JSON request (no cross-site forms)."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "admin token required: send 'Authorization: Bearer <token>' "
                                 "(the token is printed by `make api`)",
                            headers={"WWW-Authenticate": "Bearer"})
    expected = admin_token(request.app.state.settings)
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(403, "wrong admin token")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise HTTPException(415, f"content type must be application/json, got "
                                 f"'{content_type or 'none'}'")


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
        self._refused = ""  # why the last load was not swapped in, if it was not

    async def reload(self, state: State) -> ModelSet:
        """Load, and swap the new set into ``state.models``; 409 (and nothing changes) if
        the registry lost its champion."""
        self._calls += 1
        ticket = self._calls
        async with self._lock:
            if self._covered < ticket:  # no load has begun since this call: run one
                covers = self._calls
                fresh = await self._load()
                serving: ModelSet = state.models
                self._refused = ""
                if fresh.champion is None and serving.champion is not None:
                    self._refused = fresh.not_ready_reason
                else:
                    state.models = replace(fresh, generation=serving.generation + 1)
                self._covered = covers
            if self._refused:
                raise HTTPException(409, f"nothing reloaded, the served models stay: "
                                         f"{self._refused}")
            served: ModelSet = state.models
            return served
