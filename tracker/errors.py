"""Every error the tracker raises on purpose, and the exit code each one means.

The command line catches `TrackerError` once (tracker/cli/__init__.py:main), prints its message
under one prefix, `tracker: error: `, and exits with its `exit_code`: 1 for invalid data, a failed
check or a source that cannot be used, 2 for a request that is wrong as asked (as click's
`ClickException` and `UsageError`). Handlers raise; they never print an error themselves. Each
class below keeps the builtin base it had before the tree existed (a ValidationError is still a
ValueError), so library callers that catch the builtin keep working.

The tree (module where the class lives in brackets):

* TrackerError  exit 1
  + UsageError  exit 2  [errors]  a wrong argument, option or project root
    - DaemonConfigError  [daemon]  tracker.toml's [daemon] section or a daemon flag
    - SiteConfigError  [site.config]  tracker.toml's [site] section
  + ValidationError  [records]  a record or data file that cannot be read or stored
    - RegistryError  [verdicts.specs]  a registered prediction edited, removed or added unregistered
  + RunLocked  [runlock]  another run holds data/ past the wait
  + StepUnavailable  [steps]  a pipeline step whose optional extra is not installed
  + ClockSteppedBack  [pipeline]  a run whose clock reads earlier than the ledger's newest event
  + ParseError  [scrapers.errors]  a source response that is not the source's format
  + FetchError  [scrapers.errors]  a source that did not answer usably after the retries
  + ConfigError  [alerts.config]  alerts.toml holds something unusable
    - EnvValueError  [alerts.config]  an environment variable holds something unusable
  + ChannelError  [alerts.channels.base]  an alert that was not delivered
  + IngestError  [steering.ingest]  a steering result refused at the door
  + ModelLoadError  [steering.model_io]  a model the steering regression cannot run
  + DataError  [steering.data]  the shipped steering data is missing or inconsistent
"""

from __future__ import annotations

from typing import ClassVar

__all__ = ["TrackerError", "UsageError"]


class TrackerError(Exception):
    """The base of every deliberate error; the message names the file, row and field it is about."""

    exit_code: ClassVar[int] = 1


class UsageError(TrackerError):
    """The command was asked for something it cannot do as asked (exit 2, nothing changed)."""

    exit_code: ClassVar[int] = 2
