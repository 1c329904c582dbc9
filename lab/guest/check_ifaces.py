#!/usr/bin/env python3
"""Checks smb3-ifaces' JSON view of a live DebugData against what Samba was told to advertise.

usage: check_ifaces.py SMB_CONF JSON_FILE CHANNELS

The expected interfaces come from the "interfaces =" line of the smb.conf the scenario
wrote (one source of truth), e.g. "127.0.0.1;speed=10000000000,capability=RSS".
Prints one line; exit 0 when everything matches, 1 with the reason otherwise.
"""
import json
import re
import shlex
import sys


def expected_interfaces(conf_path):
    for line in open(conf_path, encoding="utf-8"):
        m = re.match(r"\s*interfaces\s*=\s*(.*)$", line)
        if m:
            break
    else:
        raise SystemExit("no 'interfaces =' line in " + conf_path)
    out = []
    for tok in shlex.split(m.group(1)):
        addr, _, opts = tok.partition(";")
        speed, caps = None, set()
        for kv in filter(None, opts.split(",")):
            k, _, v = kv.partition("=")
            if k == "speed":
                speed = int(v)
            elif k == "capability":
                caps.add(v.upper())
        out.append({"address": addr, "speed": speed, "rss": "RSS" in caps, "rdma": "RDMA" in caps})
    return out


def main():
    conf, json_path, want_channels = sys.argv[1], sys.argv[2], int(sys.argv[3])
    expected = expected_interfaces(conf)
    try:
        doc = json.load(open(json_path, encoding="utf-8"))
    except ValueError as e:
        print(f"smb3-ifaces output is not JSON: {e}")
        return 1
    sessions = [s for srv in doc.get("servers", []) for s in srv.get("sessions", [])]
    if len(sessions) != 1:
        print(f"expected 1 session in the JSON, found {len(sessions)}")
        return 1
    ses = sessions[0]
    numbers = sorted(c.get("number") for c in ses.get("channels", []))
    if numbers != list(range(1, want_channels + 1)):
        print(f"expected channels {list(range(1, want_channels + 1))}, JSON has {numbers}")
        return 1
    got = {i.get("address"): i for i in ses.get("serverInterfaces", [])}
    for e in expected:
        g = got.get(e["address"])
        if g is None:
            print(f"interface {e['address']} advertised by Samba is missing (JSON has {sorted(got)})")
            return 1
        if e["speed"] is not None and g.get("speedBps") != e["speed"]:
            print(f"interface {e['address']}: speedBps {g.get('speedBps')} != {e['speed']}")
            return 1
        if g.get("rss") is not e["rss"]:
            print(f"interface {e['address']}: rss {g.get('rss')} != {e['rss']}")
            return 1
    print(f"format {doc.get('format')}: {len(numbers)} channels, "
          + ", ".join(f"{e['address']} {e['speed']} bps rss={e['rss']}" for e in expected))
    return 0


if __name__ == "__main__":
    sys.exit(main())
