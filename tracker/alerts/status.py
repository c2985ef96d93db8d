"""What `tracker alerts status` shows: each channel, whether it is on (and if not, which
variables it lacks), what it still owes and what it last delivered. Names, never values."""

from __future__ import annotations

from tracker.alerts.config import OUTBOX_CHANNELS, AlertsConfig
from tracker.alerts.outbox import read_deliveries, read_outbox
from tracker.paths import Paths

ATOM_NOTE = "feed.atom is rendered by `tracker site build` from the ledger; nothing to configure"


def alerts_status(paths: Paths, config: AlertsConfig) -> dict:
    """One JSON-ready object: per channel state, queue and deliveries, plus totals."""
    entries = read_outbox(paths)
    deliveries = read_deliveries(paths)
    channels: dict[str, dict] = {}
    for name in OUTBOX_CHANNELS:
        state = config.states.get(name)
        owed = [e for e in entries if e.channel == name]
        sent = [d for d in deliveries if d.channel == name]
        errors = [e for e in owed if e.last_error]
        channels[name] = {
            "enabled": name in config.channels,
            "reason": state.reason if state else "",
            "misconfigured": bool(state and state.misconfigured),
            "pending": len(owed),
            "oldest_pending": min((e.queued_at for e in owed), default=None),
            "last_error": errors[-1].last_error if errors else None,
            "delivered": len(sent),
            "last_delivered_at": max((d.sent_at for d in sent), default=None),
        }
    channels["atom"] = {"enabled": True, "reason": ATOM_NOTE, "misconfigured": False}
    return {"channels": channels, "pending": len(entries), "delivered": len(deliveries)}
