"""libvirt-python side of the getInfo benchmark: CALLS dom.info() calls in
sequence, or through a ThreadPoolExecutor of POOL threads (libvirt-python
releases the GIL during the call, so the threads overlap their round trips).

Usage: info.py URI DOMAIN CALLS WARMUP POOL DAEMON_PID (0: no daemon to read)
Runs WARMUP bursts of each kind, prints `ready`, then serves part-info.ts as
info.c does: for each line `seq` or `pool` on stdin, one untimed burst and a
timed one, printed as `<kind> <ms> <client us> <daemon us>` (-1: unreadable).
"""
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import libvirt


def process_us(pid):
    """CPU microseconds all threads of process `pid` have run, or None if unreadable.

    From each thread's schedstat (nanoseconds): /proc/PID/stat counts clock ticks, 10 ms
    each, too coarse for bursts of about 150 ms.
    """
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return None
    ns, threads = 0, 0
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                ns += int(f.read().split()[0])
            threads += 1
        except (OSError, ValueError, IndexError):
            pass  # the thread has exited meanwhile
    return ns // 1000 if threads > 0 else None


def main():
    if len(sys.argv) != 7:
        sys.stderr.write("usage: info.py URI DOMAIN CALLS WARMUP POOL DAEMON_PID\n")
        return 2
    uri, name = sys.argv[1], sys.argv[2]
    calls, warmup, pool_size, daemon = (int(a) for a in sys.argv[3:7])
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    conn = libvirt.open(uri)
    dom = conn.lookupByName(name)
    info = dom.info  # bound method, looked up once

    def seq():
        for _ in range(calls):
            info()

    # The pool is created once, outside the timing, as the SDK's threads are.
    with ThreadPoolExecutor(pool_size) as ex:
        def pooled():
            for _ in ex.map(lambda _i: info(), range(calls)):
                pass

        kinds = {"seq": seq, "pool": pooled}
        for _ in range(warmup):
            seq()
            pooled()
        print("ready", flush=True)
        for line in sys.stdin:
            kind = line.strip()
            burst = kinds.get(kind)
            if burst is None:
                sys.stderr.write("unknown kind of burst: %s\n" % kind)
                return 2
            burst()  # untimed: the machine may still be settling from another burst
            c0 = time.process_time_ns()
            d0 = process_us(daemon) if daemon > 0 else None
            t0 = time.perf_counter_ns()
            burst()
            ms = (time.perf_counter_ns() - t0) / 1e6
            d1 = process_us(daemon) if daemon > 0 else None
            served = -1 if d0 is None or d1 is None else d1 - d0
            print("%s %.3f %d %d" % (kind, ms, (time.process_time_ns() - c0) // 1000, served), flush=True)
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
