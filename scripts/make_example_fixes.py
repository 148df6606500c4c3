#!/usr/bin/env python3
"""Writes examples/fixes.ndjson: a short, realistic story for `stayaway replay`.

Monday 2025-03-03, 14:00-14:40 in Bishkek (08:00-08:40 UTC). The supervised person p1
(ankle tag tag-1) leaves his home in the south-west and heads for the home of the victim
p2 (phone-2): a fix a minute while he travels, then a fix every 15 s once he is within
about 1.6 km. He passes the 1000 m warning ring, comes to about 110 m (inside the 500 m
violation distance, and inside the 100 m buffer of the victim's home zone), waits there a
minute while the victim presses SOS on her phone, and retreats. On the way back the tag
reports its strap open once. The child p3 (phone-3) is at school, p4 (tag-4, second order) stays
at home across town, the victim's phone reports once a minute. A tick closes each minute.
One tag-1 line is repeated (a gateway retry), which replay ignores as a duplicate.

Deterministic: no randomness, fixed rounding; run it again and the file is identical.
Usage: scripts/make_example_fixes.py > examples/fixes.ndjson
"""

import json
import math
import sys
from datetime import datetime, timedelta, timezone

START = datetime(2025, 3, 3, 8, 0, 0, tzinfo=timezone.utc)
VICTIM_HOME = (42.8746, 74.6122)      # p2, centre of the "home" exclusion zone
AGGRESSOR_HOME = (42.8400, 74.5700)   # p1, centre of the curfew inclusion zone
SCHOOL = (42.8950, 74.6400)           # p3, centre of the school circle
P4_HOME = (42.8000, 74.5000)          # p4, the second order's supervised person
EARTH_M = 6371008.8
CLOSEST_M = 110                       # closest approach of p1 to the victim's home
SOS_MINUTE = 23                       # the victim presses SOS as he waits outside


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S") + "Z"


def toward(origin, target, metres_from_target):
    """The point `metres_from_target` from `target` on the line back towards `origin`."""
    lat0 = math.radians(target[0])
    north_m = (origin[0] - target[0]) * math.pi / 180 * EARTH_M
    east_m = (origin[1] - target[1]) * math.pi / 180 * EARTH_M * math.cos(lat0)
    length = math.hypot(north_m, east_m)
    f = metres_from_target / length
    lat = target[0] + math.degrees(north_m * f / EARTH_M)
    lon = target[1] + math.degrees(east_m * f / (EARTH_M * math.cos(lat0)))
    return round(lat, 6), round(lon, 6)


def fix(device, seq, t, pos, accuracy, **extra):
    record = {"device": device, "seq": seq, "time": rfc3339(t), "lat": pos[0], "lon": pos[1],
              "accuracy_m": accuracy}
    record.update(extra)
    return t, record


def aggressor_fixes():
    """(time, record) for tag-1: remaining distance to the victim's home over time."""
    total = math.hypot(
        (AGGRESSOR_HOME[0] - VICTIM_HOME[0]) * math.pi / 180 * EARTH_M,
        (AGGRESSOR_HOME[1] - VICTIM_HOME[1]) * math.pi / 180 * EARTH_M
        * math.cos(math.radians(VICTIM_HOME[0])))
    plan = []  # (seconds since START, metres from the victim's home, speed m/s)
    # Travel: a fix a minute at 300 m/min until about 1.6 km out.
    remaining, s = total, 0
    while remaining > 1600:
        plan.append((s, remaining, 5.0))
        remaining -= 300
        s += 60
    # On foot, every 15 s at 2.5 m/s, to 110 m.
    while remaining > CLOSEST_M:
        plan.append((s, remaining, 2.5))
        remaining = max(CLOSEST_M, remaining - 37.5)
        s += 15
    # Waits a minute outside her home.
    for _ in range(4):
        plan.append((s, CLOSEST_M, 0.0))
        s += 15
    # Retreats at 3 m/s, every 15 s, to 1.6 km; then a fix a minute.
    while remaining < 1600:
        remaining += 45
        plan.append((s, remaining, 3.0))
        s += 15
    while s <= 40 * 60:
        remaining += 300
        plan.append((s, remaining, 5.0))
        s += 60

    out = []
    strap_at = len(plan) - 12  # one strap_open report during the retreat
    for i, (sec, metres, speed) in enumerate(plan):
        t = START + timedelta(seconds=sec)
        extra = {"received": rfc3339(t + timedelta(seconds=2)), "speed_mps": speed,
                 "battery_pct": round(81 - sec / 300, 1)}
        if i == strap_at:
            extra["flags"] = ["strap_open"]
        out.append(fix("tag-1", i + 1, t, toward(AGGRESSOR_HOME, VICTIM_HOME, metres),
                       6 if speed > 0 else 4, **extra))
    return out


def main():
    records = aggressor_fixes()
    for minute in range(0, 41):
        t = START + timedelta(minutes=minute)
        source = "wifi" if minute % 4 == 1 else "gnss"
        extra = {"flags": ["sos"]} if minute == SOS_MINUTE else {}
        records.append(fix("phone-2", minute + 1, t, VICTIM_HOME, 20 if source == "wifi" else 12,
                           source=source, battery_pct=64 - minute // 5, **extra))
        if minute % 2 == 0:
            records.append(fix("phone-3", minute // 2 + 1, t, SCHOOL, 15))
        if minute % 5 == 0:
            records.append(fix("tag-4", minute // 5 + 1, t, P4_HOME, 5))
    # Fixes of one instant in a fixed device order, then that minute's tick.
    device_rank = {"phone-2": 0, "phone-3": 1, "tag-4": 2, "tag-1": 3}
    records.sort(key=lambda r: (r[0], device_rank[r[1]["device"]]))

    lines = []
    last_tick = START
    for t, record in records:
        while last_tick + timedelta(minutes=1) <= t:
            last_tick += timedelta(minutes=1)
            lines.append(json.dumps({"tick": rfc3339(last_tick)}))
        lines.append(json.dumps(record))
        if record["device"] == "tag-1" and record["seq"] == 20:
            lines.append(lines[-1])  # a gateway retry: the same fix again
    lines.append(json.dumps({"tick": rfc3339(last_tick + timedelta(minutes=1))}))
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
