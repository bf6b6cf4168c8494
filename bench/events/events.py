# libvirt-python's side of bench:events: lifecycle events of `cycles` suspend/resume pairs of
# one guest, delivered by libvirt's default event loop running on a thread of its own.
# Prints {"events": N, "ms": elapsed} as JSON.
import json
import sys
import threading
import time

import libvirt

uri, name, cycles = sys.argv[1], sys.argv[2], int(sys.argv[3])
libvirt.virEventRegisterDefaultImpl()


def run_loop():
    while True:
        libvirt.virEventRunDefaultImpl()


threading.Thread(target=run_loop, daemon=True).start()
conn = libvirt.open(uri)
dom = conn.lookupByName(name)
want = 2 * cycles
count = 0
done = threading.Event()


def on_lifecycle(_conn, _dom, _event, _detail, _opaque):
    global count
    count += 1
    if count >= want:
        done.set()


cb = conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle, None)
t0 = time.perf_counter()
for _ in range(cycles):
    dom.suspend()
    dom.resume()
done.wait(120)
elapsed = (time.perf_counter() - t0) * 1000
conn.domainEventDeregisterAny(cb)
print(json.dumps({"events": count, "ms": elapsed}))
