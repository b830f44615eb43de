"""The scheduler: starts an execution for each slot of each deployed Schedule trigger.

It has a pure core and a thin shell. :func:`due` and :func:`to_arm` are pure
functions of (flows, trigger state, now): tests step them with any clock value
and no sleeps. :class:`Scheduler` loads the deployed flows and the
``trigger_state`` table, asks the core what is due, claims each slot with a
compare-and-set ``UPDATE`` (so two schedulers on one database never both fire
a slot, and a restart never fires a slot again), then submits the execution.

What a trigger remembers is a watermark: the last slot it dealt with
(``last_fired``), or, before its first fire, the moment the scheduler first
saw it (``updated`` of the row it inserted). Only slots after the watermark,
and after the newest revision of the flow was deployed, are considered, so a
new trigger, a changed cron or a re-enabled flow never fires a backlog. Of the
slots missed while no scheduler ran, only the latest fires (Kestra's
``recoverMissedSchedules: LAST``), unless the trigger asks for ``NONE`` or
``ALL``. A slot is claimed before its execution is submitted: a crash between
the two loses that one slot rather than running it twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice, takewhile
from typing import Any

from sqlalchemy import Engine as Database
from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from hushflow.engine.runner import Engine
from hushflow.errors import FlowValidationError, HushflowError
from hushflow.masking import Masker
from hushflow.models.execution import Execution
from hushflow.models.flow import Flow
from hushflow.models.flow_source import parse_flow
from hushflow.storage.repository import StoredFlow
from hushflow.storage.schema import trigger_state
from hushflow.tasks.triggers import Schedule, schedules_of

#: (namespace, flow id, trigger id)
Key = tuple[str, str, str]
#: With ``recoverMissedSchedules: NONE``, a slot older than this counts as missed.
ON_TIME = timedelta(seconds=15)
#: With ``recoverMissedSchedules: ALL``, at most this many slots per trigger per step.
ALL_CAP = 100

log = logging.getLogger("hushflow.scheduler")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deployed:
    """The newest revision of a flow, with its valid schedules."""

    flow: Flow
    revision: int
    created: datetime
    schedules: tuple[Schedule, ...]

    def key(self, schedule: Schedule) -> Key:
        return (self.flow.namespace, self.flow.id, schedule.id)


@dataclass(frozen=True)
class TriggerState:
    """One row of ``trigger_state``."""

    last_fired: datetime | None
    next_fire: datetime | None
    updated: datetime

    @property
    def watermark(self) -> datetime:
        """Slots at or before this have been dealt with."""
        return self.last_fired or self.updated


@dataclass(frozen=True)
class Fire:
    """One slot of one trigger to claim, then run (or pass over, with ``skip`` saying why)."""

    deployed: Deployed
    schedule: Schedule
    date: datetime
    #: ``last_fired`` as read: the compare of the compare-and-set.
    expected: datetime | None
    skip: str | None = None

    @property
    def key(self) -> Key:
        return self.deployed.key(self.schedule)

    def trigger(self) -> dict[str, Any]:
        """What the execution records as its trigger (``trigger.date`` etc.)."""
        return {
            "id": self.schedule.id,
            "type": self.schedule.type,
            "variables": self.schedule.trigger_variables(self.date),
        }

    def describe(self) -> str:
        ns, flow_id, trigger_id = self.key
        return f"{ns}.{flow_id} trigger '{trigger_id}' slot {self.schedule.iso(self.date)}"


@dataclass(frozen=True)
class Arm:
    """A trigger seen for the first time: remember it, fire nothing yet."""

    key: Key
    next_fire: datetime


def _enabled(flows: Iterable[Deployed]) -> Iterable[tuple[Deployed, Schedule]]:
    for deployed in flows:
        if deployed.flow.disabled:
            continue
        for schedule in deployed.schedules:
            if not schedule.disabled:
                yield deployed, schedule


def to_arm(
    flows: Iterable[Deployed], state: Mapping[Key, TriggerState], now: datetime
) -> list[Arm]:
    """The enabled triggers that have no state yet."""
    return [Arm(d.key(s), s.next_after(now)) for d, s in _enabled(flows) if d.key(s) not in state]


def due(flows: Iterable[Deployed], state: Mapping[Key, TriggerState], now: datetime) -> list[Fire]:
    """The slots to claim at ``now``, per enabled trigger, oldest first."""
    out: list[Fire] = []
    for deployed, schedule in _enabled(flows):
        current = state.get(deployed.key(schedule))
        if current is not None:
            out.extend(_fires(deployed, schedule, current, now))
    return out


def _fires(
    deployed: Deployed, schedule: Schedule, state: TriggerState, now: datetime
) -> list[Fire]:
    since = max(state.watermark, deployed.created)
    if schedule.next_after(since) > now:  # the common case, answered from a cache
        return []
    if schedule.recover_missed_schedules == "ALL":
        upcoming = takewhile(lambda slot: slot <= now, schedule.after(since))
        slots = list(islice(upcoming, ALL_CAP))
    else:
        latest = schedule.latest_at_or_before(now)
        slots = [latest] if latest > since else []
    fires = []
    expected = state.last_fired
    for slot in slots:
        fires.append(Fire(deployed, schedule, slot, expected, _skip_reason(schedule, slot, now)))
        expected = slot
    return fires


def _skip_reason(schedule: Schedule, slot: datetime, now: datetime) -> str | None:
    late = now - slot
    limit = schedule.late_maximum_delay
    if limit is not None and late > limit:
        return f"started {late} late, more than lateMaximumDelay {limit}"
    if schedule.recover_missed_schedules == "NONE" and late > ON_TIME:
        return "missed while no scheduler ran (recoverMissedSchedules: NONE)"
    return None


def _utc(when: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; all we store is UTC."""
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _pk(key: Key) -> Any:
    ns, flow_id, trigger_id = key
    c = trigger_state.c
    return and_(c.namespace == ns, c.flow_id == flow_id, c.trigger_id == trigger_id)


class TriggerStore:
    """``trigger_state`` rows: read them all, insert on first sight, compare-and-set on fire."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def load(self) -> dict[Key, TriggerState]:
        with self.database.connect() as conn:
            rows = conn.execute(select(trigger_state)).all()
        return {
            (r.namespace, r.flow_id, r.trigger_id): TriggerState(
                _utc(r.last_fired), _utc(r.next_fire), _utc(r.updated) or utc_now()
            )
            for r in rows
        }

    def arm(self, arm: Arm, now: datetime) -> bool:
        """Insert the first state of a trigger; False if another scheduler did."""
        ns, flow_id, trigger_id = arm.key
        row = {"namespace": ns, "flow_id": flow_id, "trigger_id": trigger_id,
               "last_fired": None, "next_fire": arm.next_fire, "updated": now}  # fmt: skip
        try:
            with self.database.begin() as conn:
                conn.execute(insert(trigger_state).values(**row))
        except IntegrityError:
            return False
        return True

    def claim(self, fire: Fire, now: datetime) -> bool:
        """Move ``last_fired`` from what was read to this slot; False if it had moved."""
        c = trigger_state.c
        same = c.last_fired.is_(None) if fire.expected is None else c.last_fired == fire.expected
        values = {"last_fired": fire.date, "next_fire": fire.schedule.next_after(fire.date),
                  "updated": now}  # fmt: skip
        with self.database.begin() as conn:
            result = conn.execute(update(trigger_state).where(_pk(fire.key), same).values(values))
        return result.rowcount == 1


class Scheduler:
    """Evaluates every deployed flow's schedules and submits what is due.

    ``step(now)`` does one evaluation; ``run(stop)`` repeats it about once a
    second until ``stop`` is set. ``clock`` supplies ``now`` to ``run``.
    """

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock
        self.store = TriggerStore(engine.flows.engine)
        self._started: list[str] = []
        self._parsed: dict[tuple[str, str, int], Deployed | None] = {}

    def deployed(self) -> list[Deployed]:
        """The newest revision of every flow, parsed once per revision."""
        parsed: dict[tuple[str, str, int], Deployed | None] = {}
        for stored in self.engine.flows.list():
            key = (stored.namespace, stored.id, stored.revision)
            parsed[key] = self._parsed[key] if key in self._parsed else _load(stored)
        self._parsed = parsed
        return [d for d in parsed.values() if d is not None]

    def running(self) -> list[str]:
        """Ids of the executions this scheduler started that are still in flight here."""
        self._started = [i for i in self._started if self.engine.live(i) is not None]
        return list(self._started)

    def step(self, now: datetime | None = None) -> list[Execution]:
        """Arm new triggers, claim and submit every due slot; return what started."""
        now = (now or self.clock()).astimezone(UTC)  # SQLite keeps wall times: store UTC
        flows = self.deployed()
        state = self.store.load()
        for arm in to_arm(flows, state, now):
            if self.store.arm(arm, now):
                log.info("watching %s.%s trigger '%s'", *arm.key)
        self.running()  # forget what has ended, so a long-lived server does not pile up ids
        started = []
        for fire in due(flows, state, now):
            if not self.store.claim(fire, now):
                log.debug("%s: claimed by another scheduler", fire.describe())
            elif fire.skip:
                log.warning("%s: skipped, %s", fire.describe(), fire.skip)
            else:
                execution = self._submit(fire)
                if execution is not None:
                    started.append(execution)
        return started

    def _submit(self, fire: Fire) -> Execution | None:
        schedule = fire.schedule
        try:
            execution = self.engine.submit(
                fire.deployed.flow,
                schedule.inputs,
                revision=fire.deployed.revision,
                labels=schedule.labels,
                trigger=fire.trigger(),
            )
        except HushflowError as exc:
            log.error("%s: not started: %s", fire.describe(), _masked(fire, str(exc)))
            return None
        self._started.append(execution.id)
        log.info("%s: started execution %s", fire.describe(), execution.id)
        return execution

    def run(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Step until ``stop`` is set; a failed step is logged and retried."""
        while not stop.is_set():
            try:
                self.step()
            except Exception as exc:  # a database hiccup must not end the scheduler
                log.error("scheduler step failed: %s: %s", type(exc).__name__, exc)
            stop.wait(_pause(self.clock(), interval))


def _pause(now: datetime, interval: float) -> float:
    """Wake just after the next multiple of ``interval``: slots fall on whole seconds."""
    return interval - (now.timestamp() % interval) + 0.005


def _load(stored: StoredFlow) -> Deployed | None:
    """Parse a stored revision and its schedules; report what is wrong once."""
    where = f"{stored.namespace}.{stored.id} revision {stored.revision}"
    try:
        flow = parse_flow(stored.source, f"{stored.namespace}.{stored.id}")
    except FlowValidationError as exc:
        log.error("%s cannot be scheduled: %s", where, exc)
        return None
    schedules, problems = schedules_of(flow)
    for problem in problems:
        log.error("%s: %s; this trigger will not fire", where, problem)
    for schedule in schedules:
        if schedule.backfill is not None:
            log.warning("%s: schedule '%s': backfill is not supported yet, ignored",
                        where, schedule.id)  # fmt: skip
    return Deployed(flow, stored.revision, stored.created, tuple(schedules)) if schedules else None


def _masked(fire: Fire, message: str) -> str:
    """An input error may quote a SECRET input's value: mask those first."""
    secret_ids = {i.id for i in fire.deployed.flow.inputs if i.type == "SECRET"}
    masker = Masker()
    for key, value in fire.schedule.inputs.items():
        if key in secret_ids and value is not None:
            masker.add(str(value))
    return masker.mask(message)


def deployed_from(flows: Sequence[tuple[Flow, int, datetime]]) -> list[Deployed]:
    """Build :class:`Deployed` values directly (tests, tools): invalid schedules dropped."""
    return [Deployed(f, rev, created, tuple(schedules_of(f)[0])) for f, rev, created in flows]
