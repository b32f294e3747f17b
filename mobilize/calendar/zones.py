"""VTIMEZONE components that every calendar reads the same way: one onset per observance. No I/O."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from icalendar import Timezone


def vtimezone(zone: str, first_date: date, last_date: date) -> Timezone:
    """The zone's transitions from `first_date` to `last_date`, each as its own STANDARD or DAYLIGHT.

    icalendar gathers the onsets of one offset into a DTSTART and RDATEs. ical.js (Thunderbird's and
    Nextcloud's parser) reads the RDATEs of such an observance but not its DTSTART: the first year's changes
    were lost and a summer shift showed an hour off in a feed whose shifts span two years."""
    component = Timezone.from_tzid(zone, first_date=first_date, last_date=last_date)
    observances = []
    for observance in component.subcomponents:
        rdates: Any = observance.pop("RDATE", [])
        onsets = [observance.decoded("DTSTART")]
        onsets += [onset.dt for rdate in (rdates if isinstance(rdates, list) else [rdates]) for onset in rdate.dts]
        for onset in onsets:
            one = copy.deepcopy(observance)
            one.pop("DTSTART")
            one.add("dtstart", onset)
            observances.append(one)
    component.subcomponents = observances
    return component
