/*
 * C baseline for the listing benchmark: list every domain of a connection and
 * read its name, UUID and info, then free it - what the SDK and Python do.
 *
 * Usage: list URI WARMUP REPS
 * Output: `count <domains>` then `list <ms rep 1> <ms rep 2> ...`.
 * Only the listing loops are timed; opening the connection (which loads the
 * test driver's node file) is not.
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Folded into the output so no result is dead. */
static unsigned long sink;

/* One listing; returns the number of domains, or -1 on failure. */
static int list_once(virConnectPtr conn)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(conn, &doms, 0);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        char uuid[VIR_UUID_STRING_BUFLEN];
        virDomainInfo info;
        const char *name = virDomainGetName(doms[i]);
        if (!name || virDomainGetUUIDString(doms[i], uuid) < 0 || virDomainGetInfo(doms[i], &info) < 0)
            return -1;
        sink += (unsigned long)name[0] + (unsigned long)uuid[0] + info.memory;
        virDomainFree(doms[i]);
    }
    free(doms);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s URI WARMUP REPS\n", argv[0]);
        return 2;
    }
    long warmup = atol(argv[2]), reps = atol(argv[3]);
    virConnectPtr conn = virConnectOpen(argv[1]);
    if (!conn) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 1;
    }
    int count = 0;
    for (long i = 0; i < warmup; i++)
        count = list_once(conn);
    printf("list");
    for (long r = 0; r < reps; r++) {
        double t0 = now_ms();
        count = list_once(conn);
        printf(" %.3f", now_ms() - t0);
        if (count < 0) {
            fprintf(stderr, "listing failed\n");
            return 1;
        }
    }
    printf("\ncount %d\n", count);
    virConnectClose(conn);
    return sink == 0 ? 1 : 0;
}
