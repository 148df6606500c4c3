#!/usr/bin/env python3
"""How soon a protected person hears of a violation: from the POST of the fix that opens it
to the event on her stream (GET /v1/me/events), against a running stayawayd.

Each round makes an order of its own (a supervised tag and her phone, 300 m apart), a
protected person's credential for her, opens her stream, sends the phone's fix and then
the tag's fix 40 m from her (with confirm_fixes = 1 in the daemon's [engine] table that
fix opens the violation; with the default of 2, a second tag fix is sent and the clock
starts at it), and times until a `within_violation` event arrives. Prints the median, p95
and max over --rounds; appends one JSON line to bench/results/victim_latency.jsonl with
--record. The admin token must be able to issue credentials and write orders; the same
token sends the fixes when it holds the ingest role (the bootstrap admin does not: give
--ingest-token).

  python3 bench/victim_latency.py --url http://127.0.0.1:7380 --token "$ADMIN" \\
      --ingest-token "$GATEWAY" --rounds 50 --record
"""
import argparse
import datetime
import json
import os
import platform
import socket
import statistics
import time
import urllib.parse
import urllib.request


def call(url, token, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method, headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        return json.load(resp)


def fix(device, seq, when, lon):
    return {"device": device, "seq": seq, "lat": 42.87, "lon": lon, "accuracy_m": 5,
            "time": when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}


def open_stream(url, token):
    parts = urllib.parse.urlparse(url)
    sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=10)
    sock.sendall(("GET /v1/me/events?from=now HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s"
                  "\r\n\r\n" % (parts.netloc, token)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(4096)
    if not head.startswith(b"HTTP/1.1 200"):
        raise SystemExit("her stream: %r" % head[:200])
    return sock, head.split(b"\r\n\r\n", 1)[1]


def wait_for(sock, buffered, needle, deadline):
    text = buffered
    while needle not in text:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("her stream ended")
        text += chunk
    return time.monotonic()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:7380")
    ap.add_argument("--token", default=os.environ.get("STAYAWAY_TOKEN", ""))
    ap.add_argument("--ingest-token", default="")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--prefix", default="VL-%d" % int(time.time()))
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    ingest = args.ingest_token or args.token

    samples = []
    for i in range(args.rounds):
        tag, phone, victim = "%s-tag-%d" % (args.prefix, i), "%s-phone-%d" % (args.prefix, i), "%s-v%d" % (args.prefix, i)
        call(args.url, args.token, "POST", "/v1/orders", {
            "id": "%s-%d" % (args.prefix, i), "version": 1, "valid_from": "2020-01-01T00:00:00Z",
            "supervised": {"id": "%s-s%d" % (args.prefix, i), "devices": [tag]},
            "protected": [{"id": victim, "devices": [phone]}], "violation_distance_m": 300})
        her = call(args.url, args.token, "POST", "/v1/credentials", {
            "name": "%s-app-%d" % (args.prefix, i), "roles": ["protected"], "person": victim,
            "devices": [phone]})["token"]
        sock, buffered = open_stream(args.url, her)
        now = datetime.datetime.now(datetime.timezone.utc)
        # The clock starts before the POST: its answer comes once the fix is journaled and
        # applied, and the event may be on her stream before that answer is read.
        began = time.monotonic()
        call(args.url, ingest, "POST", "/v1/fixes", [fix(phone, 1, now - datetime.timedelta(seconds=3), 74.59),
                                                     fix(tag, 1, now - datetime.timedelta(seconds=2), 74.5905)])
        try:
            arrived = wait_for(sock, buffered, b"within_violation", time.monotonic() + 0.5)
        except (socket.timeout, TimeoutError):
            # The default debounce wants a second fix: the clock starts at it.
            began = time.monotonic()
            call(args.url, ingest, "POST", "/v1/fixes", [fix(tag, 2, now - datetime.timedelta(seconds=1), 74.5905)])
            arrived = wait_for(sock, b"", b"within_violation", began + 5)
        sock.close()
        samples.append((arrived - began) * 1000)
    samples.sort()
    result = {"bench": "victim_latency", "rounds": len(samples),
              "median_ms": round(statistics.median(samples), 1),
              "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 1),
              "max_ms": round(samples[-1], 1), "host": platform.node(), "cpus": os.cpu_count(),
              "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    print(json.dumps(result))
    if args.record:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "victim_latency.jsonl")
        with open(path, "a") as out:
            out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
