/*
 * C baseline for the getInfo benchmark: CALLS virDomainGetInfo calls on one
 * domain in sequence, then spread over POOL threads sharing the connection
 * (what libvirt-python's thread pool does, without the interpreter). The
 * threaded figure is the most this client machine and daemon allow.
 *
 * Usage: info URI DOMAIN CALLS WARMUP REPS POOL [DAEMON_PID]
 * Output: `seq <ms per rep...>` and `pool <ms per rep...>` (info.py's format),
 * each followed by `<label>_client <us...>`, the CPU this process used in each
 * rep (all its threads), and, given DAEMON_PID, `<label>_daemon <us...>`, the
 * CPU the daemon used meanwhile (/proc/PID/stat, in clock ticks).
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

static void print_row(const char *label, const char *suffix, const long long *values, long n)
{
    printf("%s%s", label, suffix);
    for (long r = 0; r < n; r++)
        printf(" %lld", values[r]);
    printf("\n");
}

static int row(const char *label, virDomainPtr dom, long calls, long warmup, long reps, int threads, long daemon)
{
    long long client[reps], served[reps];
    int daemon_ok = daemon > 0;
    for (long i = 0; i < warmup; i++)
        if (burst(dom, calls, threads))
            return 1;
    printf("%s", label);
    for (long r = 0; r < reps; r++) {
        long long c0 = client_us(), d0 = daemon_ok ? process_us(daemon) : -1;
        double t0 = now_ms();
        if (burst(dom, calls, threads))
            return 1;
        printf(" %.3f", now_ms() - t0);
        long long d1 = daemon_ok ? process_us(daemon) : -1;
        client[r] = client_us() - c0;
        served[r] = d1 - d0;
        daemon_ok = daemon_ok && d0 >= 0 && d1 >= 0;
    }
    printf("\n");
    print_row(label, "_client", client, reps);
    if (daemon_ok)
        print_row(label, "_daemon", served, reps);
    fflush(stdout);
    return 0;
}

static void quiet(void *data, virErrorPtr err)
{
    (void)data;
    (void)err;
}

int main(int argc, char **argv)
{
    if (argc != 7 && argc != 8) {
        fprintf(stderr, "usage: %s URI DOMAIN CALLS WARMUP REPS POOL [DAEMON_PID]\n", argv[0]);
        return 2;
    }
    long calls = atol(argv[3]), warmup = atol(argv[4]), reps = atol(argv[5]);
    long daemon = argc == 8 ? atol(argv[7]) : 0;
    int pool = atoi(argv[6]);
    if (pool < 1 || pool > 64) {
        fprintf(stderr, "POOL must be 1..64\n");
        return 2;
    }
    if (calls < 1 || warmup < 0 || reps < 1 || reps > 1000) {
        fprintf(stderr, "CALLS must be at least 1, WARMUP at least 0, REPS 1..1000\n");
        return 2;
    }
    virSetErrorFunc(NULL, quiet);
    virConnectPtr conn = virConnectOpen(argv[1]);
    virDomainPtr dom = conn ? virDomainLookupByName(conn, argv[2]) : NULL;
    if (!dom) {
        fprintf(stderr, "cannot open %s or find %s: %s\n", argv[1], argv[2], virGetLastErrorMessage());
        return 1;
    }
    int rc = row("seq", dom, calls, warmup, reps, 1, daemon) || row("pool", dom, calls, warmup, reps, pool, daemon);
    if (rc)
        fprintf(stderr, "virDomainGetInfo failed or the domain is not running: %s\n", virGetLastErrorMessage());
    virDomainFree(dom);
    virConnectClose(conn);
    return rc;
}
