"""What the core and the features announce, for the features that want to hear it (blinker, as Indico does).

A lower package emits and imports nothing above it: the sign-in code announces a failure and the alerts of
app/oversight, which subscribes in `create_app`, decide whether it makes an alert. Each signal is sent with
the application as sender, and receivers subscribe for their application only. Receivers run in the request's
transaction: they flush, never commit, and an exception in one fails the request.
"""

from __future__ import annotations

from typing import Any, cast

from blinker import NamedSignal, Namespace
from flask import Flask, current_app
from werkzeug.local import LocalProxy

_signals = Namespace()

# username: str (as typed, lowered), ip: str, user: User | None — after the failure's audit event is queued.
sign_in_failed = _signals.signal("sign-in-failed")
# actor: User, subject: Subject — after the view's audit event is queued.
subject_viewed = _signals.signal("subject-viewed")
# actor: User, subject: Subject, access: BreakGlassAccess — a break-glass access was opened.
break_glass_opened = _signals.signal("break-glass-opened")
# actor: User, subject: Subject, movement: Movement — a person moved unit or changed custody status.
subject_transferred = _signals.signal("subject-transferred")
# actor: User, user: User, unit_ids: frozenset[int] — the user no longer works the cases of these units (removed
# from them, or given a role without case work); after the change's audit event is queued.
user_left_units = _signals.signal("user-left-units")
# actor: User, user: User — an administrator disabled the account; after the change's audit event is queued.
user_disabled = _signals.signal("user-disabled")


def emit(signal: NamedSignal, **kwargs: Any) -> None:
    """Send `signal` from the current application (the object itself: receivers subscribe for one app)."""
    app = cast("LocalProxy[Flask]", current_app)._get_current_object()
    signal.send(app, **kwargs)
