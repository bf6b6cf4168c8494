"""libvirt-python side of the getInfo benchmark: CALLS dom.info() calls in
sequence, then through a ThreadPoolExecutor of POOL threads (libvirt-python
releases the GIL during the call, so the threads overlap their round trips).

Usage: info.py URI DOMAIN CALLS WARMUP REPS POOL
Output: `seq <ms per rep...>` and `pool <ms per rep...>`.
"""
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import libvirt


def main():
    if len(sys.argv) != 7:
        sys.stderr.write("usage: info.py URI DOMAIN CALLS WARMUP REPS POOL\n")
        return 2
    uri, name = sys.argv[1], sys.argv[2]
    calls, warmup, reps, pool_size = (int(a) for a in sys.argv[3:7])
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

        for label, fn in (("seq", seq), ("pool", pooled)):
            for _ in range(warmup):
                fn()
            out = [label]
            for _ in range(reps):
                t0 = time.perf_counter_ns()
                fn()
                out.append("%.3f" % ((time.perf_counter_ns() - t0) / 1e6))
            print(" ".join(out), flush=True)
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
