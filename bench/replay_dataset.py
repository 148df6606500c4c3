#!/usr/bin/env python3
"""The replay benchmark's workload (scripts/bench_replay): --orders pair orders (a tag and a
phone each, 300 m violation, 800 m warning) around Bishkek and --fixes fixes in time order,
every device moving a few metres between reports, and the same fixes as Redis commands
(GEOADD of the fix, then GEODIST to its counterpart: the pair distance Redis GEO can give).

Writes DIR/orders.json, DIR/fixes.ndjson and DIR/redis.txt (RESP, for redis-cli --pipe).
Deterministic for a seed.

  python3 bench/replay_dataset.py --dir /tmp/replay --orders 100000 --fixes 1000000
"""
import argparse
import json
import math
import os
import random
import time


def resp(*words):
    out = [f"*{len(words)}\r\n"]
    for w in words:
        b = str(w)
        out.append(f"${len(b.encode())}\r\n{b}\r\n")
    return "".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dir", required=True)
    p.add_argument("--orders", type=int, default=100000)
    p.add_argument("--fixes", type=int, default=1000000)
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.dir, exist_ok=True)

    orders = []
    homes = []
    for i in range(a.orders):
        orders.append({
            "id": f"o-{i}", "version": 1, "state": "active",
            "valid_from": "2026-01-01T00:00:00Z",
            "supervised": {"id": f"s-{i}", "devices": [f"tag-{i}"]},
            "protected": [{"id": f"v-{i}", "devices": [f"phone-{i}"], "relation": "victim"}],
            "violation_distance_m": 300, "warning_distance_m": 800,
        })
        # Homes spread over ~40 km; the tag starts 0.5 to 5 km from her.
        lat = 42.87 + rng.uniform(-0.2, 0.2)
        lon = 74.59 + rng.uniform(-0.25, 0.25)
        homes.append((lat, lon))
    with open(os.path.join(a.dir, "orders.json"), "w") as f:
        json.dump(orders, f)

    pos = {}
    seq = {}
    for i, (lat, lon) in enumerate(homes):
        pos[f"phone-{i}"] = [lat, lon]
        d = rng.uniform(500, 5000) / 111000.0
        bearing = rng.uniform(0, 2 * math.pi)
        pos[f"tag-{i}"] = [lat + d * math.cos(bearing), lon + d * math.sin(bearing) / 0.73]
    start_s = 1767261600  # 2026-01-01T10:00:00Z
    per_second = max(1, a.fixes // 3600)  # an hour of reports
    with open(os.path.join(a.dir, "fixes.ndjson"), "w") as fixes, \
            open(os.path.join(a.dir, "redis.txt"), "w") as redis:
        for k in range(a.fixes):
            i = rng.randrange(a.orders)
            tag = rng.random() < 0.5
            device = f"tag-{i}" if tag else f"phone-{i}"
            other = f"phone-{i}" if tag else f"tag-{i}"
            p_ = pos[device]
            if tag:  # he drifts towards her home now and then
                h = homes[i]
                p_[0] += (h[0] - p_[0]) * 0.02 + rng.uniform(-3e-5, 3e-5)
                p_[1] += (h[1] - p_[1]) * 0.02 + rng.uniform(-4e-5, 4e-5)
            else:
                p_[0] += rng.uniform(-1e-5, 1e-5)
                p_[1] += rng.uniform(-1.4e-5, 1.4e-5)
            seq[device] = seq.get(device, 0) + 1
            t = start_s + k // per_second
            ms = (k % per_second) * 1000 // per_second
            stamp = "%s.%03dZ" % (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)), ms)
            fixes.write(json.dumps({
                "device": device, "seq": seq[device], "time": stamp,
                "lat": round(p_[0], 6), "lon": round(p_[1], 6), "accuracy_m": 8,
                "battery_pct": 71}, separators=(", ", ": ")) + "\n")
            redis.write(resp("GEOADD", "fixes", f"{p_[1]:.6f}", f"{p_[0]:.6f}", device))
            redis.write(resp("GEODIST", "fixes", device, other, "m"))


if __name__ == "__main__":
    main()
