"""Counters and timings for turns, card actions, Graph calls, sends and scheduled jobs.

Attributes are few and low in cardinality (an activity type, a verb, an outcome, a status
code, a job's name), so a dashboard can group by them; never an id or a person.
"""

from __future__ import annotations

from opentelemetry import metrics

METER = "digital_front_door"
SECONDS = "s"


class Instruments:
    def __init__(self, meter: metrics.Meter) -> None:
        self.turns = meter.create_counter(
            "dfd.turns", unit="{turn}", description="Activities received, by type and outcome"
        )
        self.turn_duration = meter.create_histogram(
            "dfd.turn.duration", unit=SECONDS, description="Time to answer an Activity"
        )
        self.card_actions = meter.create_counter(
            "dfd.card_actions", unit="{action}", description="Card buttons pressed, by verb"
        )
        self.graph_calls = meter.create_counter(
            "dfd.graph.calls", unit="{call}", description="Microsoft Graph requests, by status"
        )
        self.graph_duration = meter.create_histogram(
            "dfd.graph.duration", unit=SECONDS, description="Time for a Microsoft Graph request"
        )
        self.sends = meter.create_counter(
            "dfd.sends", unit="{send}", description="Messages sent to Teams outside a turn"
        )
        self.jobs = meter.create_counter(
            "dfd.jobs", unit="{run}", description="Scheduled job runs, by name and outcome"
        )


_instruments = Instruments(metrics.NoOpMeter(METER))


def use_meter(meter: metrics.Meter) -> None:
    """Where measurements go from now on (set once, by configure_telemetry)."""
    global _instruments
    _instruments = Instruments(meter)


def instruments() -> Instruments:
    return _instruments
