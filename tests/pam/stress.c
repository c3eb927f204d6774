/* Many logins through the real module, each with its own pam_start/pam_end, against the Hydra
 * stand-in, under pam_wrapper and nss_wrapper (started by tests/pam/concurrency.sh or tests/pam/soak.sh).
 * Valid and invalid tokens are mixed and every decision is checked: the PAM code, and for an
 * allowed login acct_mgmt and the OAUTH2_SUB/OAUTH2_CLIENT_ID the module exported into that very
 * handle (a login must never see another's result).
 *
 *   tests/pam/stress threads THREADS ROUNDS  ROUNDS times, THREADS threads log in at once (a barrier)
 *   tests/pam/stress procs PROCS ROUNDS      PROCS processes started together, ROUNDS logins each
 *   tests/pam/stress soak LOGINS             one process, LOGINS logins in a row; its RSS is reported
 *
 * Separate processes run with plain libpam (pam_start_confdir, OI_STRESS_CONFDIR) rather than
 * pam_wrapper, which re-initialises in every fork()ed child and races for its /tmp/pam.X
 * directories (62 of them). Threads run under pam_wrapper: it only forwards to libpam's
 * pam_start_confdir, but binds libpam's symbols lazily without a lock, so one login (of a secret
 * that is not a token) comes first.
 *
 * Environment: OI_STRESS_SERVICE (the PAM service), OI_STRESS_CASES (file of lines
 * "EXPECT USER TOKEN [# WHAT]", EXPECT one of ok, auth_err, user_unknown, WHAT the case in words
 * for the lines that report a wrong decision), OI_STRESS_CONTROL (the stand-in's
 * control port: its request log is cleared now and then so that it does not grow for hours),
 * OI_STRESS_PIN (optional: dlopen this module first and keep it, for leak stacks with names).
 * For the host's limits (tests/pam/flood.sh): OI_STRESS_RHOST (PAM_RHOST of every login; a "*"
 * in it becomes the worker's number, so that each worker is another host), OI_STRESS_PAUSE_MS (a pause
 * between a worker's logins). The expectation "refused" is PAM_AUTH_ERR or PAM_AUTHINFO_UNAVAIL.
 * Failure delays the module asks for are counted (PAM_FAIL_DELAY), not slept.
 * Sizes, times and CPU are reported, never asserted. Exit 0 when every decision was right. */
#include <config.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

struct scase {
    int expect; /* PAM code of pam_authenticate */
    char *user;
    char *token;
    char *sub, *client_id; /* expected in the exported environment when allowed */
    char *what;            /* the case in words, for a wrong decision's line */
};

static struct scase *cases;
static size_t n_cases, n_valid, n_invalid;
static size_t *valid_idx, *invalid_idx;
static const char *service;
static const char *confdir; /* OI_STRESS_CONFDIR: plain libpam with this directory, no pam_wrapper */
static int control_port;

static const char *rhost;  /* OI_STRESS_RHOST */
static long pause_ms;      /* OI_STRESS_PAUSE_MS */
#define REFUSED (-1)       /* the expectation "refused": PAM_AUTH_ERR or PAM_AUTHINFO_UNAVAIL */
#define MAX_LATENCIES 4096 /* of this process's logins, for the median and the longest */

static atomic_long logins, wrong, allowed;
static atomic_long *fail_delays; /* shared with the processes of run_procs */
static double latencies[MAX_LATENCIES];
static atomic_long n_latencies;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "stress: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* A PAM code as its name in <security/_pam_types.h>: a wrong decision reads "expected 7
 * (PAM_AUTH_ERR), got 9 (PAM_AUTHINFO_UNAVAIL)", not just numbers. */
static const char *pam_code_name(int rc)
{
#define PAM_CODE(c) \
    case c:         \
        return #c
    switch (rc) {
        PAM_CODE(PAM_SUCCESS);
        PAM_CODE(PAM_OPEN_ERR);
        PAM_CODE(PAM_SYMBOL_ERR);
        PAM_CODE(PAM_SERVICE_ERR);
        PAM_CODE(PAM_SYSTEM_ERR);
        PAM_CODE(PAM_BUF_ERR);
        PAM_CODE(PAM_PERM_DENIED);
        PAM_CODE(PAM_AUTH_ERR);
        PAM_CODE(PAM_CRED_INSUFFICIENT);
        PAM_CODE(PAM_AUTHINFO_UNAVAIL);
        PAM_CODE(PAM_USER_UNKNOWN);
        PAM_CODE(PAM_MAXTRIES);
        PAM_CODE(PAM_NEW_AUTHTOK_REQD);
        PAM_CODE(PAM_ACCT_EXPIRED);
        PAM_CODE(PAM_SESSION_ERR);
        PAM_CODE(PAM_CRED_UNAVAIL);
        PAM_CODE(PAM_CRED_EXPIRED);
        PAM_CODE(PAM_CRED_ERR);
        PAM_CODE(PAM_NO_MODULE_DATA);
        PAM_CODE(PAM_CONV_ERR);
        PAM_CODE(PAM_AUTHTOK_ERR);
        PAM_CODE(PAM_AUTHTOK_RECOVERY_ERR);
        PAM_CODE(PAM_AUTHTOK_LOCK_BUSY);
        PAM_CODE(PAM_AUTHTOK_DISABLE_AGING);
        PAM_CODE(PAM_TRY_AGAIN);
        PAM_CODE(PAM_IGNORE);
        PAM_CODE(PAM_ABORT);
        PAM_CODE(PAM_AUTHTOK_EXPIRED);
        PAM_CODE(PAM_MODULE_UNKNOWN);
        PAM_CODE(PAM_BAD_ITEM);
        PAM_CODE(PAM_CONV_AGAIN);
        PAM_CODE(PAM_INCOMPLETE);
    case REFUSED:
        return "PAM_AUTH_ERR or PAM_AUTHINFO_UNAVAIL";
    default:
        return "not a PAM code";
    }
#undef PAM_CODE
}

static int code_of(const char *name)
{
    if (strcmp(name, "ok") == 0)
        return PAM_SUCCESS;
    if (strcmp(name, "auth_err") == 0)
        return PAM_AUTH_ERR;
    if (strcmp(name, "user_unknown") == 0)
        return PAM_USER_UNKNOWN;
    if (strcmp(name, "refused") == 0)
        return REFUSED;
    die("unknown expectation %s", name);
}

/* Lines: EXPECT USER TOKEN [SUB CLIENT_ID] [# WHAT] */
static void load_cases(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[8192];
    unsigned lineno = 0;
    if (f == NULL)
        die("cannot open %s", path);
    while (fgets(line, sizeof(line), f)) {
        char *save = NULL;
        char *w[5] = {0};
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        char *what = strstr(line, " # ");
        if (what != NULL) {
            *what = '\0';
            what += 3;
        }
        w[0] = strtok_r(line, " ", &save);
        for (int i = 1; i < 5 && w[i - 1]; i++)
            w[i] = strtok_r(NULL, " ", &save);
        if (w[0] == NULL || w[0][0] == '#')
            continue;
        if (w[2] == NULL)
            die("bad case line in %s", path);
        cases = realloc(cases, (n_cases + 1) * sizeof(*cases));
        if (cases == NULL)
            die("%s", "out of memory");
        struct scase *c = &cases[n_cases++];
        c->expect = code_of(w[0]);
        c->user = strdup(w[1]);
        c->token = strdup(w[2]);
        c->sub = w[3] ? strdup(w[3]) : strdup(w[1]);
        c->client_id = w[4] ? strdup(w[4]) : strdup("ssh-cli");
        if (what != NULL)
            c->what = strdup(what);
        else if (asprintf(&c->what, "the case of line %u of %s", lineno, path) < 0)
            c->what = NULL;
        if (c->user == NULL || c->token == NULL || c->sub == NULL || c->client_id == NULL || c->what == NULL)
            die("%s", "out of memory");
    }
    fclose(f);
    valid_idx = calloc(n_cases, sizeof(size_t));
    invalid_idx = calloc(n_cases, sizeof(size_t));
    for (size_t i = 0; i < n_cases; i++) {
        if (cases[i].expect == PAM_SUCCESS)
            valid_idx[n_valid++] = i;
        else
            invalid_idx[n_invalid++] = i;
    }
    if (n_cases == 0)
        die("%s has no cases", path);
}

/* Half the logins valid, half invalid, spread differently per worker and round. */
static const struct scase *pick(unsigned long worker, unsigned long round)
{
    unsigned long k = worker * 7919UL + round * 104729UL;
    if (n_invalid == 0 || (n_valid > 0 && (worker + round) % 2 == 0))
        return &cases[valid_idx[k % n_valid]];
    return &cases[invalid_idx[k % n_invalid]];
}

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata)
{
    const char *token = appdata;
    struct pam_response *r = calloc((size_t)n, sizeof(*r));
    if (r == NULL)
        return PAM_BUF_ERR;
    for (int i = 0; i < n; i++) {
        if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON) {
            r[i].resp = strdup(token);
            if (r[i].resp == NULL) {
                for (int j = 0; j < i; j++)
                    free(r[j].resp);
                free(r);
                return PAM_BUF_ERR;
            }
        }
    }
    *resp = r;
    return PAM_SUCCESS;
}

/* One wrong decision: counted, and the first 20 printed as "WRONG: worker W round R: USER with
 * WHAT: " and the rest of the line. */
static void wrong_decision(unsigned long worker, unsigned long round, const struct scase *c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void wrong_decision(unsigned long worker, unsigned long round, const struct scase *c, const char *fmt, ...)
{
    va_list ap;
    if (atomic_fetch_add(&wrong, 1) >= 20)
        return;
    pthread_mutex_lock(&print_lock);
    fprintf(stderr, "WRONG: worker %lu round %lu: %s with %s: ", worker, round, c->user, c->what);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    pthread_mutex_unlock(&print_lock);
}

/* call (pam_authenticate, ...) returned got where want was right. */
static void wrong_code(unsigned long worker, unsigned long round, const struct scase *c, const char *call, int want,
                       int got)
{
    wrong_decision(worker, round, c, "%s: expected %d (%s), got %d (%s)", call, want, pam_code_name(want), got,
                   pam_code_name(got));
}

static void env_is(pam_handle_t *pamh, const char *name, const char *want, unsigned long worker, unsigned long round,
                   const struct scase *c)
{
    const char *v = pam_getenv(pamh, name);
    if (v == NULL || strcmp(v, want) != 0)
        wrong_decision(worker, round, c, "allowed, but %s is '%s', expected '%s'", name, v ? v : "(unset)", want);
}

static void login_case(unsigned long worker, unsigned long round, const struct scase *c);
static void login(unsigned long worker, unsigned long round)
{
    login_case(worker, round, pick(worker, round));
}

/* One login before the threads or processes start: pam_wrapper binds libpam's symbols lazily
 * without a lock. The secret is not shaped like a token, so nothing is sent or cached: the
 * module's first-use work (a cache directory's key, say) still happens concurrently.
 * nss_wrapper reads its files at the first lookup, and a lookup in another thread racing that
 * read finds nobody (ENOENT, seen under valgrind): the one lookup here reads them first. glibc's
 * own files backend reads the file on each lookup and has no such race. */
static void warm_up(void)
{
    static char user[] = "alice", token[] = "not-a-token", what[] = "a secret not shaped like a token (warm-up)";
    const struct scase c = {PAM_AUTH_ERR, user, token, NULL, NULL, what};
    (void)getpwnam(user);
    login_case(0, 0, &c);
    atomic_store(&logins, 0);
    atomic_store(&allowed, 0);
}

/* PAM_FAIL_DELAY: the application's own delay function, called instead of libpam's sleep. */
static void count_delay(int status, unsigned int usec, void *appdata)
{
    (void)appdata;
    if (status != PAM_SUCCESS && usec > 0)
        atomic_fetch_add(fail_delays, 1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double now_s(void);

static void login_case(unsigned long worker, unsigned long round, const struct scase *c)
{
    struct pam_conv pc = {conv, c->token};
    pam_handle_t *pamh = NULL;
    int rc;
    char host[128];
#ifdef HAVE_PAM_START_CONFDIR
    if (confdir != NULL)
        rc = pam_start_confdir(service, c->user, &pc, confdir, &pamh);
    else
#endif
        rc = pam_start(service, c->user, &pc, &pamh);
    if (rc != PAM_SUCCESS) {
        wrong_code(worker, round, c, "pam_start", PAM_SUCCESS, rc);
        return;
    }
    if (rhost != NULL) {
        const char *star = strchr(rhost, '*');
        if (star != NULL)
            snprintf(host, sizeof(host), "%.*s%lu%s", (int)(star - rhost), rhost, worker, star + 1);
        else
            snprintf(host, sizeof(host), "%s", rhost);
        pam_set_item(pamh, PAM_RHOST, host);
    }
    pam_set_item(pamh, PAM_FAIL_DELAY, (const void *)count_delay);
    if (pause_ms > 0 && round > 0)
        nanosleep(&(struct timespec){pause_ms / 1000, (pause_ms % 1000) * 1000000}, NULL);
    double t0 = now_s();
    rc = pam_authenticate(pamh, PAM_SILENT);
    long li = atomic_fetch_add(&n_latencies, 1);
    if (li < MAX_LATENCIES)
        latencies[li] = now_s() - t0;
    atomic_fetch_add(&logins, 1);
    if (c->expect == REFUSED && (rc == PAM_AUTH_ERR || rc == PAM_AUTHINFO_UNAVAIL)) {
        /* as expected */
    } else if (rc != c->expect) {
        wrong_code(worker, round, c, "pam_authenticate", c->expect, rc);
    } else if (rc == PAM_SUCCESS) {
        atomic_fetch_add(&allowed, 1);
        rc = pam_acct_mgmt(pamh, PAM_SILENT);
        if (rc != PAM_SUCCESS)
            wrong_code(worker, round, c, "pam_acct_mgmt", PAM_SUCCESS, rc);
        env_is(pamh, "OAUTH2_SUB", c->sub, worker, round, c);
        env_is(pamh, "OAUTH2_CLIENT_ID", c->client_id, worker, round, c);
    } else if (pam_getenv(pamh, "OAUTH2_SUB") != NULL) {
        wrong_decision(worker, round, c, "refused with %d (%s), yet OAUTH2_SUB is set to '%s'", rc, pam_code_name(rc),
                       pam_getenv(pamh, "OAUTH2_SUB"));
    }
    pam_end(pamh, rc);
}

/* POST /reset to the stand-in's control port (plain HTTP): its request log would otherwise grow
 * with every login. No libcurl here: the test must not hold curl's global state for the module. */
static void reset_standin(void)
{
    static const char req[] = "POST /reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                              "Content-Length: 2\r\nConnection: close\r\n\r\n{}";
    char buf[512];
    if (control_port <= 0)
        return;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)control_port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
        fprintf(stderr, "stress: warning: cannot reach the stand-in's control port: %s\n", strerror(errno));
    } else {
        while (read(fd, buf, sizeof(buf)) > 0)
            ;
    }
    if (fd >= 0)
        close(fd);
}

static long rss_kb(void)
{
    long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- threads ---- */
static pthread_barrier_t barrier;
static unsigned long rounds;

static void *thread_main(void *arg)
{
    unsigned long worker = (unsigned long)(uintptr_t)arg;
    for (unsigned long r = 0; r < rounds; r++) {
        pthread_barrier_wait(&barrier);
        if (worker == 0 && r % 100 == 99)
            reset_standin();
        /* The RSS as all threads start round r (the first rounds warm up the allocator arenas). */
        if (worker == 0 && rounds >= 10 && (r == 1 || (r > 0 && r % (rounds / 10) == 0))) {
            printf("threads: rss at round %lu of %lu: %ld kB\n", r, rounds, rss_kb());
            fflush(stdout);
        }
        login(worker, r);
    }
    return NULL;
}

static int run_threads(unsigned long n, unsigned long r)
{
    pthread_t *t = calloc(n, sizeof(*t));
    pthread_attr_t attr;
    rounds = r;
    if (t == NULL || pthread_barrier_init(&barrier, NULL, (unsigned)n) != 0)
        die("%s", "cannot set up the threads");
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1024 * 1024);
    for (unsigned long i = 0; i < n; i++)
        if (pthread_create(&t[i], &attr, thread_main, (void *)(uintptr_t)i) != 0)
            die("%s", "pthread_create failed");
    for (unsigned long i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    pthread_attr_destroy(&attr);
    pthread_barrier_destroy(&barrier);
    free(t);
    return 0;
}

/* ---- processes ---- */
static int run_procs(unsigned long n, unsigned long r)
{
    pthread_barrierattr_t ba;
    pthread_barrier_t *pb = mmap(NULL, sizeof(*pb), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (pb == MAP_FAILED)
        die("%s", "mmap failed");
    pthread_barrierattr_init(&ba);
    pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
    if (pthread_barrier_init(pb, &ba, (unsigned)n) != 0)
        die("%s", "cannot set up the barrier");
    pid_t *pids = calloc(n, sizeof(*pids));
    for (unsigned long i = 0; i < n; i++) {
        fflush(NULL);
        pids[i] = fork();
        if (pids[i] < 0)
            die("fork: %s", strerror(errno));
        if (pids[i] == 0) {
            for (unsigned long k = 0; k < r; k++) {
                pthread_barrier_wait(pb);
                login(i, k);
            }
            fflush(NULL);
            /* _exit: pam_wrapper's destructor belongs to the parent, which made its directory. */
            _exit(wrong > 100 ? 100 : (int)wrong);
        }
    }
    int bad = 0;
    for (unsigned long i = 0; i < n; i++) {
        int st = 0;
        if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st)) {
            fprintf(stderr, "WRONG: process %lu %s %d\n", i, WIFSIGNALED(st) ? "killed by signal" : "status",
                    WIFSIGNALED(st) ? WTERMSIG(st) : st);
            bad++;
        } else if (WEXITSTATUS(st) != 0) {
            fprintf(stderr, "WRONG: process %lu: %d wrong decisions\n", i, WEXITSTATUS(st));
            bad += WEXITSTATUS(st);
        }
    }
    atomic_fetch_add(&wrong, bad);
    atomic_store(&logins, (long)(n * r));
    free(pids);
    return 0;
}

/* ---- soak ---- */
static int run_soak(unsigned long n)
{
    unsigned long warm = n / 100 < 1000 ? (n < 1000 ? n : 1000) : n / 100;
    long start = rss_kb(), warmed = 0;
    printf("soak: rss at start %ld kB\n", start);
    fflush(stdout);
    double t0 = now_s();
    for (unsigned long i = 0; i < n; i++) {
        if (i % 5000 == 4999)
            reset_standin();
        login(0, i);
        if (i + 1 == warm) {
            warmed = rss_kb();
            printf("soak: rss after %lu logins (warm-up) %ld kB\n", warm, warmed);
            fflush(stdout);
        } else if ((i + 1) % (n / 10 ? n / 10 : 1) == 0) {
            printf("soak: rss after %lu logins %ld kB (%.0f logins/s)\n", i + 1, rss_kb(),
                   (double)(i + 1) / (now_s() - t0));
            fflush(stdout);
        }
    }
    long end = rss_kb();
    printf("soak: rss at start %ld kB, after warm-up %ld kB, at end %ld kB: %+ld kB over %lu logins "
           "after warm-up\n",
           start, warmed, end, end - warmed, n - warm);
    return 0;
}

/* What the logins cost: CPU of this process and its children per login, the failure delays the
 * module asked for, and (threads) the median and longest pam_authenticate. */
static void report_costs(const char *mode)
{
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    double cpu =
        (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) +
        (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
    long n = atomic_load(&logins) > 0 ? atomic_load(&logins) : 1;
    printf("%s: cpu %.2f s (%.3f ms a login), %ld failure delays asked for\n", mode, cpu, cpu * 1000 / (double)n,
           atomic_load(fail_delays));
    long k = atomic_load(&n_latencies);
    if (strcmp(mode, "threads") == 0 && k > 0) {
        if (k > MAX_LATENCIES)
            k = MAX_LATENCIES;
        qsort(latencies, (size_t)k, sizeof(latencies[0]), cmp_double);
        printf("%s: pam_authenticate median %.1f ms, longest %.1f ms (%ld logins)\n", mode, latencies[k / 2] * 1000,
               latencies[k - 1] * 1000, k);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3)
        die("%s", "usage: stress threads N ROUNDS | procs N ROUNDS | soak LOGINS");
    service = getenv("OI_STRESS_SERVICE");
    const char *cases_file = getenv("OI_STRESS_CASES");
    const char *control = getenv("OI_STRESS_CONTROL");
    const char *pin = getenv("OI_STRESS_PIN");
    confdir = getenv("OI_STRESS_CONFDIR");
#ifndef HAVE_PAM_START_CONFDIR
    if (confdir != NULL) {
        printf("SKIP: this libpam has no pam_start_confdir (Linux-PAM 1.4 or later)\n");
        return 77;
    }
#endif
    if (service == NULL || cases_file == NULL)
        die("%s", "OI_STRESS_SERVICE and OI_STRESS_CASES must be set");
    control_port = control ? atoi(control) : 0;
    rhost = getenv("OI_STRESS_RHOST");
    pause_ms = getenv("OI_STRESS_PAUSE_MS") ? atol(getenv("OI_STRESS_PAUSE_MS")) : 0;
    fail_delays = mmap(NULL, sizeof(*fail_delays), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (fail_delays == MAP_FAILED)
        die("%s", "mmap failed");
    if (pin && *pin && dlopen(pin, RTLD_NOW) == NULL)
        die("dlopen: %s", dlerror());
    load_cases(cases_file);
    unsigned long a = strtoul(argv[2], NULL, 10), b = argc > 3 ? strtoul(argv[3], NULL, 10) : 0;
    double t0 = now_s();
    if (strcmp(argv[1], "threads") == 0 && a > 0 && b > 0) {
        warm_up();
        run_threads(a, b);
    } else if (strcmp(argv[1], "procs") == 0 && a > 0 && b > 0) {
        warm_up();
        run_procs(a, b);
    } else if (strcmp(argv[1], "soak") == 0 && a > 0) {
        run_soak(a);
    } else {
        die("bad arguments for %s", argv[1]);
    }
    double secs = now_s() - t0;
    long w = atomic_load(&wrong);
    printf("%s %s: %ld logins (%ld allowed in this process) in %.1f s (%.0f/s), %ld wrong decisions, "
           "rss %ld kB\n",
           w ? "FAIL" : "PASS", argv[1], atomic_load(&logins), atomic_load(&allowed), secs,
           (double)atomic_load(&logins) / secs, w, rss_kb());
    report_costs(argv[1]);
    for (size_t i = 0; i < n_cases; i++) {
        free(cases[i].user);
        free(cases[i].token);
        free(cases[i].sub);
        free(cases[i].client_id);
        free(cases[i].what);
    }
    free(cases);
    free(valid_idx);
    free(invalid_idx);
    return w ? 1 : 0;
}
