/* oi-bench-login: PAM logins the way sshd does them, for make bench. Each login is a fresh PAM
 * handle through the real libpam (pam_start_confdir: the service file comes from CONFDIR, no
 * preload); many logins in one process measure the module itself, one login per process (the
 * bench script starts it again and again) measures what an sshd child pays.
 *
 *   oi-bench-login CONFDIR SERVICE USER TOKENFILE N
 *
 * Prints one JSON object: logins, failures (a login that did not succeed), wall time per login
 * (median, p95, mean), CPU per login, and the resident set after the first login and at the end. */
#include <config.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <security/pam_appl.h>

static char token[8192];

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
    (void)data;
    struct pam_response *r = calloc((size_t)n, sizeof(*r));
    if (r == NULL)
        return PAM_BUF_ERR;
    for (int i = 0; i < n; i++)
        if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
            r[i].resp = strdup(token);
    *resp = r;
    return PAM_SUCCESS;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

/* VmRSS (resident now) or VmHWM (peak of this program, unlike ru_maxrss, which counts the
 * process it was exec'd from). */
static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, field, n) == 0)
            kb = strtol(line + n, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: oi-bench-login CONFDIR SERVICE USER TOKENFILE N\n");
        return 2;
    }
    const char *confdir = argv[1], *service = argv[2], *user = argv[3];
    long n = strtol(argv[5], NULL, 10);
    FILE *tf = fopen(argv[4], "r");
    if (tf == NULL || fgets(token, sizeof(token), tf) == NULL || n < 1) {
        fprintf(stderr, "oi-bench-login: cannot read the token from %s\n", argv[4]);
        return 2;
    }
    fclose(tf);
    token[strcspn(token, "\r\n")] = '\0';
    double *t = calloc((size_t)n, sizeof(*t));
    if (t == NULL)
        return 2;
    struct pam_conv pc = {conv, NULL};
    long failures = 0, rss_first = 0;
    int last_rc = PAM_SUCCESS;
    double cpu0 = cpu_ms();
    for (long i = 0; i < n; i++) {
        pam_handle_t *ph = NULL;
        double t0 = now_ms();
        int rc = pam_start_confdir(service, user, &pc, confdir, &ph);
        if (rc == PAM_SUCCESS)
            rc = pam_authenticate(ph, 0);
        pam_end(ph, rc);
        t[i] = now_ms() - t0;
        if (rc != PAM_SUCCESS) {
            failures++;
            last_rc = rc;
        }
        if (i == 0)
            rss_first = status_kb("VmRSS:");
    }
    double cpu = cpu_ms() - cpu0, sum = 0;
    for (long i = 0; i < n; i++)
        sum += t[i];
    qsort(t, (size_t)n, sizeof(*t), cmp);
    printf("{\"logins\": %ld, \"failures\": %ld, \"last_error\": \"%s\", \"median_ms\": %.4f, "
           "\"p95_ms\": %.4f, \"mean_ms\": %.4f, \"cpu_ms\": %.4f, \"rss_first_kb\": %ld, "
           "\"rss_end_kb\": %ld, \"maxrss_kb\": %ld}\n",
           n, failures, failures ? pam_strerror(NULL, last_rc) : "", t[n / 2], t[(size_t)((double)n * 0.95)],
           sum / (double)n, cpu / (double)n, rss_first, status_kb("VmRSS:"), status_kb("VmHWM:"));
    free(t);
    return failures ? 1 : 0;
}
