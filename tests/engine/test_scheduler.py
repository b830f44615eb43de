"""The scheduler: cron arithmetic, the pure ``due()`` core, and claiming slots on a real database."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from itertools import islice, pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine as Database
from sqlalchemy import select

from hushflow.engine.runner import Engine
from hushflow.engine.scheduler import (
    ALL_CAP,
    Deployed,
    Scheduler,
    TriggerState,
    TriggerStore,
    deployed_from,
    due,
    to_arm,
)
from hushflow.models.flow_source import parse_flow
from hushflow.models.state import State
from hushflow.storage.schema import trigger_state
from hushflow.tasks.triggers import Schedule, parse_schedule, schedules_of

SCHEDULE = "io.kestra.plugin.core.trigger.Schedule"
PARIS = "Europe/Paris"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def schedule(cron: str, **props: Any) -> Schedule:
    return Schedule.model_validate({"id": "s", "type": SCHEDULE, "cron": cron, **props})


def flow_source(*triggers: dict[str, Any], disabled: bool = False, extra: str = "") -> str:
    doc = {
        "id": "f",
        "namespace": "t",
        "disabled": disabled,
        "tasks": [
            {
                "id": "r",
                "type": "io.kestra.plugin.core.debug.Return",
                "format": "{{ trigger.date }}",
            }
        ],
        "triggers": list(triggers),
    }
    return yaml.safe_dump(doc) + extra


def trig(cron: str, trigger_id: str = "s", **props: Any) -> dict[str, Any]:
    return {"id": trigger_id, "type": SCHEDULE, "cron": cron, **props}


def deployed(
    *triggers: dict[str, Any], created: str = "2026-01-01T00:00:00", disabled: bool = False
) -> list[Deployed]:
    flow = parse_flow(flow_source(*triggers, disabled=disabled))
    return deployed_from([(flow, 1, utc(created))])


def state_at(
    last_fired: str | None,
    updated: str = "2026-01-01T00:00:00",
    key: tuple[str, str, str] = ("t", "f", "s"),
) -> dict[tuple[str, str, str], TriggerState]:
    return {key: TriggerState(utc(last_fired) if last_fired else None, None, utc(updated))}


def slots(sched: Schedule, start: str, count: int) -> list[str]:
    out, it = [], sched.after(utc(start))
    for _ in range(count):
        out.append(next(it).strftime("%m-%dT%H:%M:%S"))
    return out


# -- the Schedule model ---------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"cron": "* * * *"}, "has 4 fields, expected 5"),
        ({"cron": "* * * * * *"}, "expected 5 (set withSeconds: true"),
        ({"cron": "* * * * *", "withSeconds": True}, "has 5 fields, expected 6"),
        ({"cron": "61 * * * *"}, "invalid cron '61 * * * *'"),
        ({"cron": "0 0 30 2 *"}, "invalid cron '0 0 30 2 *'"),
        ({"cron": "@sometimes"}, "unknown cron macro '@sometimes' (known: @yearly,"),
        ({"cron": "* * * * *", "timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"cron": "* * * * *", "timezon": "UTC"}, "timezon: unknown property"),
        ({"cron": "* * * * *", "lateMaximumDelay": "soon"}, "not an ISO-8601 duration"),
        ({"cron": "* * * * *", "conditions": [{"type": "x"}]}, "'conditions' is not supported yet"),
        ({"cron": "* * * * *", "stopAfter": ["FAILED"]}, "'stopAfter' is not supported yet"),
        ({"cron": "* * * * *", "when": "{{ true }}"}, "'when' is not supported yet"),
        ({"cron": "* * * * *", "recoverMissedSchedules": "SOME"}, "recoverMissedSchedules"),
        ({}, "cron: Field required"),
    ],
    ids=["four-fields", "six-without-seconds", "five-with-seconds", "out-of-range", "never-matches",
         "unknown-macro", "unknown-zone", "typo", "bad-duration", "conditions", "stop-after", "when", "bad-recover", "no-cron"],
)  # fmt: skip
def test_invalid_schedules_are_named_with_their_problem(
    props: dict[str, Any], message: str
) -> None:
    flow = parse_flow(flow_source({"id": "s", "type": SCHEDULE, **props}))
    good, problems = schedules_of(flow)
    assert good == []
    assert len(problems) == 1
    assert problems[0].startswith("schedule 's': ")
    assert message in problems[0]


def test_schedules_of_keeps_other_triggers_out_and_accepts_the_legacy_type() -> None:
    flow = parse_flow(
        flow_source(
            trig("0 * * * *", "a"),
            {"id": "w", "type": "io.kestra.plugin.core.trigger.Webhook", "key": "k"},
            trig("@daily", "b", type="io.kestra.core.models.triggers.types.Schedule"),
        )
    )
    good, problems = schedules_of(flow)
    assert [s.id for s in good] == ["a", "b"]
    assert problems == []


def test_full_kestra_schedule_properties_are_read() -> None:
    raw = trig("*/5 * * * *", timezone=PARIS, inputs={"who": "cron"}, lateMaximumDelay="PT1H",
               labels=[{"key": "team", "value": "ops"}], backfill={"start": "2026-01-01T00:00:00Z"},
               recoverMissedSchedules="NONE", description="every five minutes", disabled=True)  # fmt: skip
    got = parse_schedule(parse_flow(flow_source(raw)).triggers[0])
    assert (got.timezone, got.inputs, got.labels) == (PARIS, {"who": "cron"}, {"team": "ops"})
    assert got.late_maximum_delay == timedelta(hours=1)
    assert got.recover_missed_schedules == "NONE"
    assert got.disabled is True
    assert got.backfill == {"start": "2026-01-01T00:00:00Z"}


@pytest.mark.parametrize(
    ("cron", "props", "start", "expected"),
    [
        ("@hourly", {}, "2026-01-01T10:20:00", ["01-01T11:00:00", "01-01T12:00:00"]),
        ("@daily", {}, "2026-01-01T10:20:00", ["01-02T00:00:00", "01-03T00:00:00"]),
        ("@midnight", {"timezone": PARIS}, "2026-01-01T10:20:00", ["01-01T23:00:00", "01-02T23:00:00"]),
        ("@weekly", {}, "2026-01-01T00:00:00", ["01-04T00:00:00", "01-11T00:00:00"]),
        ("@monthly", {}, "2026-01-15T00:00:00", ["02-01T00:00:00", "03-01T00:00:00"]),
        ("@yearly", {}, "2026-03-01T00:00:00", ["01-01T00:00:00", "01-01T00:00:00"]),
        ("@annually", {"timezone": PARIS}, "2026-03-01T00:00:00", ["12-31T23:00:00", "12-31T23:00:00"]),
        ("@daily", {"withSeconds": True}, "2026-01-01T10:20:00", ["01-02T00:00:00", "01-03T00:00:00"]),
        ("* * * * * *", {"withSeconds": True}, "2026-01-01T10:20:00.400", ["01-01T10:20:01", "01-01T10:20:02"]),
        ("*/20 * * * * *", {"withSeconds": True}, "2026-01-01T10:20:00", ["01-01T10:20:20", "01-01T10:20:40"]),
        ("30 0 9 * * *", {"withSeconds": True}, "2026-01-01T00:00:00", ["01-01T09:00:30", "01-02T09:00:30"]),
        ("0 9 * * *", {"timezone": PARIS}, "2026-01-01T00:00:00", ["01-01T08:00:00", "01-02T08:00:00"]),
        ("0 9 * * *", {"timezone": PARIS}, "2026-07-01T00:00:00", ["07-01T07:00:00", "07-02T07:00:00"]),
        ("0 9 * * *", {"timezone": "America/New_York"}, "2026-01-01T00:00:00", ["01-01T14:00:00", "01-02T14:00:00"]),
        ("0 0 * * 1-5", {}, "2026-01-02T12:00:00", ["01-05T00:00:00", "01-06T00:00:00"]),
        ("0  12   * * MON", {}, "2026-01-01T00:00:00", ["01-05T12:00:00", "01-12T12:00:00"]),
    ],
    ids=["hourly", "daily", "midnight-paris", "weekly", "monthly", "yearly", "annually-paris",
         "daily-with-seconds", "every-second", "every-20-seconds", "seconds-field-first",
         "paris-winter", "paris-summer", "new-york", "weekdays", "names-and-spaces"],
)  # fmt: skip
def test_slots(cron: str, props: dict[str, Any], start: str, expected: list[str]) -> None:
    assert slots(schedule(cron, **props), start, 2) == expected


def test_spring_forward_fires_a_skipped_wall_time_once_right_after_the_gap() -> None:
    # 2026-03-29 02:00 -> 03:00 in Paris: 02:30 does not exist that day.
    got = slots(schedule("30 2 * * *", timezone=PARIS), "2026-03-27T12:00:00", 3)
    assert got == ["03-28T01:30:00", "03-29T01:00:00", "03-30T00:30:00"]


def test_spring_forward_hourly_skips_the_missing_hour() -> None:
    got = slots(schedule("0 * * * *", timezone=PARIS), "2026-03-28T23:30:00", 4)
    assert got == ["03-29T00:00:00", "03-29T01:00:00", "03-29T02:00:00", "03-29T03:00:00"]


def test_fall_back_fires_a_fixed_time_job_once() -> None:
    # 2026-10-25 03:00 -> 02:00 in Paris: 02:30 happens twice (00:30Z and 01:30Z).
    got = slots(schedule("30 2 * * *", timezone=PARIS), "2026-10-23T12:00:00", 3)
    assert got == ["10-24T00:30:00", "10-25T00:30:00", "10-26T01:30:00"]


def test_fall_back_keeps_an_hourly_job_firing_every_real_hour() -> None:
    got = slots(schedule("0 * * * *", timezone=PARIS), "2026-10-24T23:30:00", 4)
    assert got == ["10-25T00:00:00", "10-25T01:00:00", "10-25T02:00:00", "10-25T03:00:00"]


def test_fall_back_repeats_a_wildcard_minute_job_inside_the_repeated_hour() -> None:
    got = slots(schedule("*/30 2 * * *", timezone=PARIS), "2026-10-24T12:00:00", 5)
    assert got == ["10-25T00:00:00", "10-25T00:30:00", "10-25T01:00:00", "10-25T01:30:00",
                   "10-26T01:00:00"]  # fmt: skip


def test_fall_back_previous_skips_the_repeated_wall_time_too() -> None:
    sched = schedule("30 2 * * *", timezone=PARIS)
    assert sched.previous_before(utc("2026-10-25T12:00:00")) == utc("2026-10-25T00:30:00")
    assert sched.latest_at_or_before(utc("2026-10-25T00:30:00")) == utc("2026-10-25T00:30:00")


def test_trigger_variables_are_in_the_trigger_zone() -> None:
    paris = schedule("0 9 * * *", timezone=PARIS).trigger_variables(utc("2026-03-30T07:00:00"))
    assert paris == {
        "date": "2026-03-30T09:00:00+02:00",
        "next": "2026-03-31T09:00:00+02:00",
        "previous": "2026-03-29T09:00:00+02:00",
    }
    plain = schedule("*/10 * * * * *", withSeconds=True).trigger_variables(
        utc("2026-01-01T00:00:00")
    )
    assert plain == {"date": "2026-01-01T00:00:00Z", "next": "2026-01-01T00:00:10Z",
                     "previous": "2025-12-31T23:59:50Z"}  # fmt: skip


# -- the pure core ---------------------------------------------------------------


def test_a_new_trigger_is_armed_not_fired() -> None:
    flows = deployed(trig("0 * * * *"))
    now = utc("2026-01-02T10:30:00")
    assert due(flows, {}, now) == []
    arms = to_arm(flows, {}, now)
    assert [(a.key, a.next_fire) for a in arms] == [(("t", "f", "s"), utc("2026-01-02T11:00:00"))]
    assert to_arm(flows, state_at(None), now) == []


def test_a_slot_fires_when_its_time_comes_and_not_before() -> None:
    flows = deployed(trig("0 * * * *"))
    state = state_at(None, updated="2026-01-02T10:30:00")
    assert due(flows, state, utc("2026-01-02T10:59:59.999")) == []
    fires = due(flows, state, utc("2026-01-02T11:00:00.250"))
    assert [(f.date, f.expected, f.skip) for f in fires] == [
        (utc("2026-01-02T11:00:00"), None, None)
    ]
    assert fires[0].trigger() == {
        "id": "s",
        "type": SCHEDULE,
        "variables": {"date": "2026-01-02T11:00:00Z", "next": "2026-01-02T12:00:00Z",
                      "previous": "2026-01-02T10:00:00Z"},
    }  # fmt: skip
    after = state_at("2026-01-02T11:00:00", updated="2026-01-02T11:00:00.250")
    assert due(flows, after, utc("2026-01-02T11:59:00")) == []


def test_missed_slots_fire_only_the_latest_by_default() -> None:
    flows = deployed(trig("0 6 * * *"))
    state = state_at("2026-01-02T06:00:00")
    fires = due(flows, state, utc("2026-01-05T12:00:00"))
    assert [(f.date, f.expected) for f in fires] == [
        (utc("2026-01-05T06:00:00"), utc("2026-01-02T06:00:00"))
    ]


def test_recover_all_fires_every_missed_slot_as_a_chain() -> None:
    flows = deployed(trig("0 6 * * *", recoverMissedSchedules="ALL"))
    fires = due(flows, state_at("2026-01-02T06:00:00"), utc("2026-01-05T12:00:00"))
    dates = [utc(f"2026-01-0{d}T06:00:00") for d in (3, 4, 5)]
    assert [f.date for f in fires] == dates
    assert [f.expected for f in fires] == [utc("2026-01-02T06:00:00"), *dates[:2]]


def test_recover_all_is_capped_per_step() -> None:
    flows = deployed(trig("* * * * * *", withSeconds=True, recoverMissedSchedules="ALL"))
    fires = due(flows, state_at("2026-01-02T06:00:00"), utc("2026-01-02T07:00:00"))
    assert len(fires) == ALL_CAP
    assert fires[-1].date == utc("2026-01-02T06:00:00") + timedelta(seconds=ALL_CAP)


def test_recover_none_passes_over_a_missed_slot_but_runs_one_on_time() -> None:
    flows = deployed(trig("0 6 * * *", recoverMissedSchedules="NONE"))
    state = state_at("2026-01-02T06:00:00")
    late = due(flows, state, utc("2026-01-05T12:00:00"))
    assert [f.date for f in late] == [utc("2026-01-05T06:00:00")]
    assert late[0].skip is not None and "recoverMissedSchedules: NONE" in late[0].skip
    on_time = due(flows, state, utc("2026-01-03T06:00:01"))
    assert [(f.date, f.skip) for f in on_time] == [(utc("2026-01-03T06:00:00"), None)]


def test_late_maximum_delay_skips_a_slot_that_is_too_late() -> None:
    flows = deployed(trig("0 6 * * *", lateMaximumDelay="PT1H"))
    state = state_at("2026-01-02T06:00:00")
    (late,) = due(flows, state, utc("2026-01-03T07:00:01"))
    assert late.skip is not None and "lateMaximumDelay" in late.skip
    (fine,) = due(flows, state, utc("2026-01-03T07:00:00"))
    assert fine.skip is None


@pytest.mark.parametrize(
    ("trigger", "flow_disabled"),
    [(trig("* * * * *", disabled=True), False), (trig("* * * * *"), True)],
    ids=["trigger-disabled", "flow-disabled"],
)
def test_disabled_triggers_and_flows_neither_fire_nor_arm(
    trigger: dict[str, Any], flow_disabled: bool
) -> None:
    flows = deployed(trigger, disabled=flow_disabled)
    now = utc("2026-01-03T00:00:00")
    assert due(flows, state_at("2026-01-02T00:00:00"), now) == []
    assert to_arm(flows, {}, now) == []


def test_a_new_revision_does_not_fire_slots_from_before_it_was_deployed() -> None:
    flows = deployed(trig("0 6 * * *"), created="2026-01-05T08:00:00")
    assert due(flows, state_at("2026-01-02T06:00:00"), utc("2026-01-05T12:00:00")) == []
    fires = due(flows, state_at("2026-01-02T06:00:00"), utc("2026-01-06T06:00:00"))
    assert [f.date for f in fires] == [utc("2026-01-06T06:00:00")]


def test_each_trigger_of_a_flow_is_evaluated_on_its_own() -> None:
    flows = deployed(trig("0 * * * *", "hourly"), trig("0 0 * * *", "daily"))
    state = {**state_at("2026-01-02T09:00:00", key=("t", "f", "hourly")),
             **state_at("2026-01-02T00:00:00", key=("t", "f", "daily"))}  # fmt: skip
    fires = due(flows, state, utc("2026-01-02T10:00:00"))
    assert [(f.key[2], f.date) for f in fires] == [("hourly", utc("2026-01-02T10:00:00"))]


@settings(max_examples=200, deadline=None)
@given(
    period=st.sampled_from([1, 2, 3, 5, 10, 15, 30]),
    jitters=st.lists(st.floats(min_value=0.0, max_value=0.999), min_size=5, max_size=60),
)
def test_stepping_every_second_fires_each_slot_exactly_once(
    period: int, jitters: list[float]
) -> None:
    """Steps one second apart (each at any point inside its second) miss no slot, repeat none."""
    flows = deployed(trig(f"*/{period} * * * * *", withSeconds=True))
    start = utc("2026-01-02T00:00:00")
    state = state_at(None, updated="2026-01-02T00:00:00")
    fired: list[datetime] = []
    for second, jitter in enumerate(jitters, start=1):
        now = start + timedelta(seconds=second + jitter)
        for fire in due(flows, state, now):
            assert fire.expected == state[fire.key].last_fired
            state = {fire.key: TriggerState(fire.date, None, now)}
            fired.append(fire.date)
    end = start + timedelta(seconds=len(jitters))
    expected = [start + timedelta(seconds=s) for s in range(1, len(jitters) + 1) if s % period == 0]
    assert fired == expected
    assert all(f <= end for f in fired)


# -- on a real database ------------------------------------------------------------


#: A whole hour in the future: later than any deploy time, so its slots count.
SOON = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)


@pytest.fixture
def hf(engine: Database) -> Iterator[Engine]:
    eng = Engine(engine, workers=4)
    yield eng
    eng.close()


def deploy(eng: Engine, source: str) -> None:
    flow = parse_flow(source)
    eng.flows.save(flow.namespace, flow.id, source)


def test_compare_and_set_lets_one_of_two_schedulers_claim_a_slot(engine: Database) -> None:
    flow = parse_flow(flow_source(trig("0 * * * *")))
    flows = deployed_from([(flow, 1, SOON - timedelta(days=2))])
    a, b = TriggerStore(engine), TriggerStore(engine)
    (arm,) = to_arm(flows, {}, SOON)
    assert a.arm(arm, SOON) is True
    assert b.arm(arm, SOON) is False
    snapshot = a.load()
    assert snapshot == b.load()
    later = SOON + timedelta(hours=1, seconds=1)
    (fire_a,) = due(flows, snapshot, later)
    (fire_b,) = due(flows, b.load(), later)
    assert fire_a.date == fire_b.date
    assert b.claim(fire_b, later) is True
    assert a.claim(fire_a, later) is False
    stored = a.load()[fire_a.key]
    assert (stored.last_fired, stored.next_fire) == (fire_a.date, fire_a.date + timedelta(hours=1))
    (following,) = due(flows, {fire_a.key: stored}, later + timedelta(hours=1))
    assert following.expected == fire_a.date
    assert a.claim(following, later + timedelta(hours=1)) is True


def test_step_arms_fires_and_records_the_trigger_in_the_execution(hf: Engine) -> None:
    deploy(hf, flow_source(trig("*/10 * * * * *", withSeconds=True), extra=(
        "outputs:\n  - {id: when, type: STRING, value: '{{ trigger.date }}|{{ trigger.previous }}'}\n")))  # fmt: skip
    sched = Scheduler(hf)
    assert sched.step(SOON) == []
    assert sched.step(SOON + timedelta(seconds=5)) == []
    (started,) = sched.step(SOON + timedelta(seconds=10, milliseconds=300))
    done = hf.wait(started.id, timeout=60)
    assert done.state == State.SUCCESS
    slot = SOON + timedelta(seconds=10)
    iso = slot.isoformat().replace("+00:00", "Z")
    prev = (slot - timedelta(seconds=10)).isoformat().replace("+00:00", "Z")
    assert done.outputs == {"when": f"{iso}|{prev}"}
    assert done.trigger is not None and done.trigger["variables"]["date"] == iso
    assert done.task_runs[0].outputs == {"value": iso}
    assert sched.running() == []  # it has ended


def test_a_restarted_scheduler_neither_fires_again_nor_fires_a_backlog(hf: Engine) -> None:
    deploy(hf, flow_source(trig("0 * * * *", inputs={})))
    first = Scheduler(hf)
    first.step(SOON)
    (one,) = first.step(SOON + timedelta(hours=1, seconds=1))
    hf.wait(one.id, timeout=60)
    again = Scheduler(hf)
    assert again.step(SOON + timedelta(hours=1, seconds=2)) == []
    (latest,) = again.step(SOON + timedelta(hours=5, minutes=30))
    done = hf.wait(latest.id, timeout=60)
    assert done.trigger is not None
    assert done.trigger["variables"]["date"] == (SOON + timedelta(hours=5)).isoformat().replace(
        "+00:00", "Z"
    )
    assert again.step(SOON + timedelta(hours=5, minutes=31)) == []


def test_two_schedulers_stepping_together_fire_each_slot_once(engine: Database) -> None:
    engines = [Engine(engine, workers=4), Engine(engine, workers=4)]
    try:
        deploy(engines[0], flow_source(trig("* * * * * *", withSeconds=True)))
        schedulers = [Scheduler(e) for e in engines]
        times = [SOON + timedelta(seconds=s, milliseconds=100) for s in range(12)]
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []
        started: list[tuple[Engine, str]] = []

        def drive(sched: Scheduler) -> None:
            try:
                for now in times:
                    barrier.wait(timeout=60)
                    started.extend((sched.engine, ex.id) for ex in sched.step(now))
            except BaseException as exc:
                errors.append(exc)
                barrier.abort()

        threads = [threading.Thread(target=drive, args=(s,)) for s in schedulers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        dates = []
        for eng, ex_id in started:
            done = eng.wait(ex_id, timeout=60)
            assert done.trigger is not None
            dates.append(done.trigger["variables"]["date"])
        assert len(dates) == 11
        assert sorted(dates) == sorted(set(dates))
        with engine.connect() as conn:
            row = conn.execute(select(trigger_state.c.last_fired)).one()
        assert row.last_fired.replace(tzinfo=UTC) == SOON + timedelta(seconds=11)
    finally:
        for e in engines:
            e.close()


def test_invalid_schedule_is_logged_once_and_never_fires(
    hf: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    deploy(hf, flow_source(trig("0 * * *")))
    sched = Scheduler(hf)
    with caplog.at_level(logging.INFO, logger="hushflow.scheduler"):
        for hours in (0, 1, 2):
            assert sched.step(SOON + timedelta(hours=hours, seconds=1)) == []
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "t.f revision 1: schedule 's': cron '0 * * *' has 4 fields, expected 5; this trigger will not fire"
    ]


def test_bad_inputs_are_logged_masked_and_start_nothing(
    hf: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    fake = "pw-" + "7f3a9c1e5b2d"
    deploy(hf, flow_source(trig("0 * * * *", inputs={"pin": fake}), extra=(
        "inputs:\n  - {id: pin, type: SECRET, validator: '^[0-9]+$'}\n")))  # fmt: skip
    sched = Scheduler(hf)
    sched.step(SOON)
    with caplog.at_level(logging.INFO, logger="hushflow.scheduler"):
        assert sched.step(SOON + timedelta(hours=1)) == []
    (error,) = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert "not started: pin: Invalid input for `pin`" in error
    assert fake not in caplog.text
    assert hf.executions.list(None, None, 10) == []


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    ("name", "task", "message"),
    [
        (
            "schedule-daily-report.yml",
            "announce",
            "Report for {day} to team@example.com; next one due {next}",
        ),
        ("schedule-heartbeat.yml", "beat", "alive at {date}"),
    ],
    ids=["daily-report", "heartbeat"],
)
def test_schedule_examples_fire_on_their_next_slot(
    hf: Engine, name: str, task: str, message: str
) -> None:
    source = (EXAMPLES / name).read_text()
    deploy(hf, source)
    (sched_spec,) = schedules_of(parse_flow(source))[0]
    sched = Scheduler(hf)
    assert sched.step(SOON) == []
    slot = sched_spec.next_after(SOON)
    assert sched.step(slot - timedelta(milliseconds=1)) == []
    (started,) = sched.step(slot + timedelta(milliseconds=400))
    done = hf.wait(started.id, timeout=60)
    assert done.state == State.SUCCESS
    variables = sched_spec.trigger_variables(slot)
    day = slot.astimezone(sched_spec.zone).strftime("%Y-%m-%d")
    expected = message.format(day=day, **variables)
    logs = hf.logs.for_execution(done.id)
    assert [e.message for e in logs if e.task_id == task] == [expected]


#: Zones whose daylight saving shifts by a whole hour, north and south, at 02:00, 03:00 or midnight.
DST_ZONES = [
    "Europe/Paris",
    "America/New_York",
    "Australia/Sydney",
    "America/Santiago",
    "Asia/Tehran",
]


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(DST_ZONES),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    start=st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
)
def test_a_fixed_time_job_fires_once_every_local_day(
    zone: str, hour: int, minute: int, start: datetime
) -> None:
    """Through a year of DST changes: one slot per local date, at the wall time if it exists."""
    sched = schedule(f"{minute} {hour} * * *", timezone=zone)
    tz = ZoneInfo(zone)
    got = list(islice(sched.after(start), 370))
    days = [slot.astimezone(tz).date() for slot in got]
    assert all((b - a).days == 1 for a, b in pairwise(days))
    for slot in got:
        local = slot.astimezone(tz)
        wall = datetime.combine(local.date(), time(hour, minute), tzinfo=tz)
        exists = wall.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall.replace(
            tzinfo=None
        )
        if exists:
            assert (local.hour, local.minute) == (hour, minute)
        else:  # skipped by spring forward: the first instant after the gap, same day
            assert local.replace(tzinfo=None) > wall.replace(tzinfo=None)


@pytest.mark.parametrize("zone", DST_ZONES)
def test_an_hourly_job_fires_every_real_hour_all_year(zone: str) -> None:
    sched = schedule("0 * * * *", timezone=zone)
    got = list(islice(sched.after(utc("2026-01-01T00:30:00")), 24 * 366))
    assert {b - a for a, b in pairwise(got)} == {timedelta(hours=1)}
