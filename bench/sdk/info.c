/*
 * C baseline for the getInfo benchmark: CALLS virDomainGetInfo calls on one
 * domain in sequence, or spread over POOL threads sharing the connection
 * (what libvirt-python's thread pool does, without the interpreter).
 *
 * Usage: info URI DOMAIN CALLS WARMUP POOL DAEMON_PID (0: no daemon to read)
 * Runs WARMUP bursts of each kind, prints `ready`, then serves part-info.ts
 * (the protocol info.py and info-tsvirt.ts share): for each line `seq` or
 * `pool` on stdin, one untimed burst of that kind (the machine may still be
 * settling from another implementation's burst), then a timed one, and prints
 * `<kind> <ms> <client us> <daemon us>`: its time, the CPU of this process
 * (all threads) and of the daemon (-1 if unreadable) during it. Ends at EOF.
 */
#include <dirent.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* CPU microseconds this process has used, all threads. */
static long long client_us(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000LL + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
}

/* CPU microseconds process `pid` has used (utime + stime of /proc/PID/stat); -1 if unreadable. */
/*
 * CPU microseconds all threads of process `pid` have run, or -1 if unreadable. From each
 * thread's schedstat (nanoseconds): /proc/PID/stat counts clock ticks, 10 ms each, too coarse
 * for bursts of about 150 ms.
 */
static long long process_us(long pid)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%ld/task", pid);
    DIR *dir = opendir(path);
    if (!dir)
        return -1;
    unsigned long long ns = 0;
    int threads = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/%ld/task/%.20s/schedstat", pid, e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue; /* the thread has exited meanwhile */
        unsigned long long run;
        if (fscanf(f, "%llu", &run) == 1) {
            ns += run;
            threads++;
        }
        fclose(f);
    }
    closedir(dir);
    return threads > 0 ? (long long)(ns / 1000) : -1;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

struct job {
    virDomainPtr dom;
    long calls;
    int failed;
};

static void *run_calls(void *arg)
{
    struct job *j = arg;
    virDomainInfo info;
    for (long i = 0; i < j->calls; i++) {
        if (virDomainGetInfo(j->dom, &info) < 0 || info.state != VIR_DOMAIN_RUNNING) {
            j->failed = 1;
            break;
        }
    }
    return NULL;
}

/* CALLS calls over `threads` threads (1: on this thread); 0 on success. */
static int burst(virDomainPtr dom, long calls, int threads)
{
    struct job jobs[64];
    pthread_t tids[64];
    int failed = 0;
    if (threads == 1) {
        jobs[0] = (struct job){ dom, calls, 0 };
        run_calls(&jobs[0]);
        return jobs[0].failed;
    }
    for (int t = 0; t < threads; t++) {
        jobs[t] = (struct job){ dom, calls / threads + (t < calls % threads ? 1 : 0), 0 };
        pthread_create(&tids[t], NULL, run_calls, &jobs[t]);
    }
    for (int t = 0; t < threads; t++) {
        pthread_join(tids[t], NULL);
        failed |= jobs[t].failed;
    }
    return failed;
}

/* One untimed and one timed burst; prints the timed one's line. 0 on success. */
static int measure(const char *kind, virDomainPtr dom, long calls, int threads, long daemon)
{
    if (burst(dom, calls, threads))
        return 1;
    long long c0 = client_us(), d0 = daemon > 0 ? process_us(daemon) : -1;
    double t0 = now_ms();
    if (burst(dom, calls, threads))
        return 1;
    double ms = now_ms() - t0;
    long long c1 = client_us(), d1 = daemon > 0 ? process_us(daemon) : -1;
    printf("%s %.3f %lld %lld\n", kind, ms, c1 - c0, d0 >= 0 && d1 >= 0 ? d1 - d0 : -1);
    fflush(stdout);
    return 0;
}

static int serve(virDomainPtr dom, long calls, long warmup, int pool, long daemon)
{
    for (long i = 0; i < warmup; i++)
        if (burst(dom, calls, 1) || burst(dom, calls, pool))
            return 1;
    printf("ready\n");
    fflush(stdout);
    char line[64];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        int threads = strcmp(line, "seq") == 0 ? 1 : strcmp(line, "pool") == 0 ? pool : 0;
        if (threads == 0) {
            fprintf(stderr, "unknown kind of burst: %s\n", line);
            return 2;
        }
        if (measure(line, dom, calls, threads, daemon))
            return 1;
    }
    return 0;
}

static void quiet(void *data, virErrorPtr err)
{
    (void)data;
    (void)err;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s URI DOMAIN CALLS WARMUP POOL DAEMON_PID\n", argv[0]);
        return 2;
    }
    long calls = atol(argv[3]), warmup = atol(argv[4]), daemon = atol(argv[6]);
    int pool = atoi(argv[5]);
    if (pool < 1 || pool > 64) {
        fprintf(stderr, "POOL must be 1..64\n");
        return 2;
    }
    if (calls < 1 || warmup < 0) {
        fprintf(stderr, "CALLS must be at least 1, WARMUP at least 0\n");
        return 2;
    }
    virSetErrorFunc(NULL, quiet);
    virConnectPtr conn = virConnectOpen(argv[1]);
    virDomainPtr dom = conn ? virDomainLookupByName(conn, argv[2]) : NULL;
    if (!dom) {
        fprintf(stderr, "cannot open %s or find %s: %s\n", argv[1], argv[2], virGetLastErrorMessage());
        return 1;
    }
    int rc = serve(dom, calls, warmup, pool, daemon);
    if (rc == 1)
        fprintf(stderr, "virDomainGetInfo failed or the domain is not running: %s\n", virGetLastErrorMessage());
    virDomainFree(dom);
    virConnectClose(conn);
    return rc;
}
