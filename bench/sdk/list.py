"""libvirt-python side of the listing benchmark (same protocol as list.c).

Usage: list.py URI WARMUP REPS
Output: `list <ms per rep...>` then `count <domains>`.
"""
import sys
import time

import libvirt


def list_once(conn):
    doms = conn.listAllDomains(0)
    sink = 0
    for d in doms:
        sink += len(d.name()) + len(d.UUIDString()) + d.info()[2]
    # Returning drops the list, which frees every virDomainPtr (reference
    # counting), so freeing is inside the timed region, as for C and tsvirt.
    return len(doms), sink


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: list.py URI WARMUP REPS\n")
        return 2
    uri, warmup, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    # Keeps libvirt from printing errors to stderr; failures still raise.
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    conn = libvirt.open(uri)
    for _ in range(warmup):
        list_once(conn)
    out = ["list"]
    count = 0
    for _ in range(reps):
        t0 = time.perf_counter_ns()
        count, _sink = list_once(conn)
        out.append("%.3f" % ((time.perf_counter_ns() - t0) / 1e6))
    print(" ".join(out))
    print("count %d" % count, flush=True)
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
