"""Trigger types: Kestra's ``Schedule``, validated strictly, and its cron arithmetic.

A flow's ``triggers`` are parsed permissively with the flow (any type, extra
keys kept), so that a flow with a trigger type hushflow does not know still
runs by hand. The scheduler reads the schedules through :func:`schedules_of`,
which validates each one here and names every problem (unknown property, bad
cron, unknown time zone) instead of skipping it silently.

Cron expressions are parsed and stepped by ``croniter``: five fields
(minute to day of week), six with ``withSeconds: true`` (seconds first, as in
Kestra), or a macro (``@hourly``, ``@daily``...). Slots are computed in the
trigger's ``timezone`` and handed out as aware UTC datetimes. Around daylight
saving changes the rule is the one of Vixie cron: a wall time that does not
exist (spring forward) fires at the first instant after the gap; a wall time
that happens twice (fall back) fires once for a job at a fixed time
(``30 2 * * *``) and at both instants for a "wildcard job", one with a ``*``
in its seconds, minute or hour field (``0 * * * *`` must keep firing every
real hour).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import Field, ValidationError, field_validator, model_validator

from hushflow.models.duration import parse_duration
from hushflow.models.flow import Flow, Trigger
from hushflow.models.task import Spec

SCHEDULE_TYPES = (
    "io.kestra.plugin.core.trigger.Schedule",
    "io.kestra.core.models.triggers.types.Schedule",
)
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
#: Kestra Schedule properties that would change which slots fire, not implemented yet.
NOT_YET = ("conditions", "scheduleConditions", "when", "stopAfter")
_TINY = timedelta(microseconds=1)


class Schedule(Spec):
    """``io.kestra.plugin.core.trigger.Schedule``: start an execution on a cron.

    Example::

        triggers:
          - id: nightly
            type: io.kestra.plugin.core.trigger.Schedule
            cron: "0 2 * * *"
            timezone: Europe/Paris
            inputs: {mode: full}
    """

    type_names: ClassVar[tuple[str, ...]] = SCHEDULE_TYPES

    id: str = Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$")
    type: str
    cron: str
    timezone: str = "UTC"
    with_seconds: bool = False
    inputs: dict[str, Any] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    disabled: bool = False
    description: str | None = None
    late_maximum_delay: timedelta | None = None
    #: Kestra's backfill block; accepted so that flows load, not acted on yet.
    backfill: dict[str, Any] | None = None
    #: Which slots missed while no scheduler ran are fired on start.
    recover_missed_schedules: Literal["LAST", "NONE", "ALL"] = "LAST"

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in SCHEDULE_TYPES:
            raise ValueError(f"'{value}' is not a Schedule trigger type")
        return value

    @field_validator("late_maximum_delay", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("labels", mode="before")
    @classmethod
    def _labels(cls, value: Any) -> Any:
        """A map, or Kestra's list of ``{key, value}``."""
        if isinstance(value, list):
            return {str(i.get("key")): str(i.get("value")) for i in value if isinstance(i, dict)}
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone '{value}' (use an IANA name such as UTC or Europe/Paris)"
            ) from None
        return value

    @model_validator(mode="before")
    @classmethod
    def _not_yet(cls, raw: Any) -> Any:
        """Kestra properties that change when a schedule fires: refused, never ignored."""
        if isinstance(raw, dict):
            for key in NOT_YET:
                if raw.get(key) not in (None, [], {}, ""):
                    raise ValueError(f"'{key}' is not supported yet; remove it")
        return raw

    @model_validator(mode="after")
    def _valid_cron(self) -> Schedule:
        expr = self.expression
        if expr.startswith("@"):
            known = ", ".join(MACROS)
            raise ValueError(f"unknown cron macro '{self.cron}' (known: {known})")
        fields = expr.split()
        wanted = 6 if self.with_seconds else 5
        if len(fields) != wanted:
            hint = " (set withSeconds: true for a seconds field)" if len(fields) == 6 else ""
            raise ValueError(
                f"cron '{self.cron}' has {len(fields)} fields, expected {wanted}{hint}"
            )
        try:
            self.next_after(datetime(2000, 1, 1, tzinfo=UTC))  # also: does it ever match?
        except Exception as exc:  # croniter's errors carry the reason in their text
            raise ValueError(f"invalid cron '{self.cron}': {exc}") from None
        return self

    # -- cron arithmetic (see :class:`Cron`) ------------------------------------

    @property
    def expression(self) -> str:
        """The cron with a macro expanded (and ``0`` seconds added when needed)."""
        text = " ".join(self.cron.split())
        expanded = MACROS.get(text.lower())
        if expanded is None:
            return text
        return f"0 {expanded}" if self.with_seconds else expanded

    @property
    def slots(self) -> Cron:
        return Cron(self.expression, self.timezone, self.with_seconds)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def after(self, when: datetime) -> Iterator[datetime]:
        """The slots strictly after ``when``, in order (aware UTC)."""
        return self.slots.after(when)

    def next_after(self, when: datetime) -> datetime:
        """The first slot strictly after ``when``."""
        return _next_after(self.slots, when)

    def previous_before(self, when: datetime) -> datetime:
        """The last slot strictly before ``when``."""
        return self.slots.previous_before(when)

    def latest_at_or_before(self, when: datetime) -> datetime:
        """The last slot at or before ``when``."""
        return self.slots.previous_before(when + _TINY)

    def trigger_variables(self, slot: datetime) -> dict[str, str]:
        """Kestra's ``trigger.date``, ``trigger.next`` and ``trigger.previous``."""
        return {
            "date": self.iso(slot),
            "next": self.iso(self.next_after(slot)),
            "previous": self.iso(self.previous_before(slot)),
        }

    def iso(self, when: datetime) -> str:
        """A slot as ISO-8601 in the trigger's zone (``Z`` for a zero offset)."""
        text = when.astimezone(self.zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text


@dataclass(frozen=True)
class Cron:
    """A cron expression in a time zone: its slots, as aware UTC datetimes.

    A plain hashable value, so that the next slot after a given instant (asked
    every second for every trigger, mostly with the same instant) is cached.
    """

    expression: str
    timezone: str
    with_seconds: bool

    def _iter(self, start: datetime, *, backwards: bool = False) -> croniter:
        return croniter(
            self.expression,
            start.astimezone(ZoneInfo(self.timezone)),
            is_prev=backwards,
            second_at_beginning=self.with_seconds,
        )

    def _wildcard_time(self) -> bool:
        """Vixie cron's "wildcard job": a ``*`` in a time-of-day field (not a fixed time)."""
        fields = self.expression.split()[: 3 if self.with_seconds else 2]
        return any(field.startswith("*") for field in fields)

    def _repeated(self, slot: datetime) -> bool:
        """Is ``slot`` the second pass over a wall time that DST repeats (to skip)?"""
        local = slot.astimezone(ZoneInfo(self.timezone))
        if not local.fold or local.replace(fold=0).utcoffset() == local.utcoffset():
            return False
        return not self._wildcard_time()

    def _walk(self, start: datetime, *, backwards: bool) -> Iterator[datetime]:
        it = self._iter(start, backwards=backwards)
        step = it.get_prev if backwards else it.get_next
        while True:
            slot: datetime = step(datetime).astimezone(UTC)
            if not self._repeated(slot):
                yield slot

    def after(self, when: datetime) -> Iterator[datetime]:
        return self._walk(when, backwards=False)

    def previous_before(self, when: datetime) -> datetime:
        return next(self._walk(when, backwards=True))


@lru_cache(maxsize=65536)
def _next_after(cron: Cron, when: datetime) -> datetime:
    return next(cron.after(when))


def is_schedule(trigger: Trigger) -> bool:
    """Is this trigger declaration a Schedule (whatever else it holds)?"""
    return trigger.type in SCHEDULE_TYPES


def parse_schedule(trigger: Trigger) -> Schedule:
    """Validate one Schedule declaration; ``ValueError`` names every problem."""
    raw = trigger.model_dump(by_alias=True, exclude_unset=True)
    raw.update(trigger.model_extra or {})
    try:
        return Schedule.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(_problems(trigger.id, exc)) from None


def _problems(trigger_id: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown property"
        parts.append(f"{where}: {message}" if where else message)
    return f"schedule '{trigger_id}': " + "; ".join(parts)


def schedules_of(flow: Flow) -> tuple[list[Schedule], list[str]]:
    """The flow's valid Schedule triggers, and a message for each invalid one."""
    good: list[Schedule] = []
    problems: list[str] = []
    for trigger in flow.triggers:
        if not is_schedule(trigger):
            continue
        try:
            good.append(parse_schedule(trigger))
        except ValueError as exc:
            problems.append(str(exc))
    return good, problems
