"""libvirt-python side of the listing benchmark (same protocol as list.c).

Usage: list.py URI WARMUP
Runs WARMUP listings, prints `count <domains>` and `ready`, then serves
part-list.ts as list.c does: for each line on stdin, one untimed listing and a
timed one, printed as `list <ms> <cpu us>` (CPU of this process).
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
    if len(sys.argv) != 3:
        sys.stderr.write("usage: list.py URI WARMUP\n")
        return 2
    uri, warmup = sys.argv[1], int(sys.argv[2])
    # Keeps libvirt from printing errors to stderr; failures still raise.
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    conn = libvirt.open(uri)
    count = 0
    for _ in range(warmup):
        count, _sink = list_once(conn)
    print("count %d" % count)
    print("ready", flush=True)
    for _line in sys.stdin:
        list_once(conn)  # untimed: the machine may still be settling from another listing
        c0 = time.process_time_ns()
        t0 = time.perf_counter_ns()
        list_once(conn)
        ms = (time.perf_counter_ns() - t0) / 1e6
        print("list %.3f %d" % (ms, (time.process_time_ns() - c0) // 1000), flush=True)
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
