/* What the commands share: the command line, loading the configuration, text for output. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tool.h"
#include "util.h"

int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(" PROG " --help shows the usage)\n", stderr);
    return EXIT_CONFIG;
}

const char *take_value(const char **args, int n, int *i, const char *name, bool *missing)
{
    const char *a = args[*i];
    size_t len = strlen(name);
    if (strncmp(a, name, len) != 0)
        return NULL;
    if (a[len] == '=')
        return a + len + 1;
    if (a[len] != '\0')
        return NULL;
    if (*i + 1 >= n) {
        *missing = true;
        return NULL;
    }
    return args[++*i];
}

const char *where_name(const char *where)
{
    return strcmp(where, "pam.d line") == 0 ? "command line (--conf, --option)" : where;
}

int load(const struct tool *t, struct oi_config *cfg)
{
    struct oi_config_error err;
    enum oi_reason r = oi_config_load(cfg, t->n_settings, t->settings, &err);
    if (r == OI_NOMEM) {
        fputs(PROG ": out of memory\n", stderr);
        return EXIT_CONFIG;
    }
    if (r != OI_OK) {
        fprintf(stderr, PROG ": configuration error: %s: %s: %s\n", where_name(err.where), err.key, err.what);
        return EXIT_CONFIG;
    }
    return 0;
}

void plain(char *dst, size_t len, const char *s)
{
    oi_printable(dst, len, s, s ? strlen(s) : 0);
}

void show(char *dst, size_t len, const char *s)
{
    oi_sanitize(dst, len, s ? s : "-", s ? strlen(s) : 1);
}

void join_list(char *dst, size_t len, const struct oi_strlist *l)
{
    size_t o = 0;
    dst[0] = '\0';
    for (size_t i = 0; i < l->n && o + 1 < len; i++)
        o += (size_t)snprintf(dst + o, len - o, "%s%s", i ? "," : "", l->items[i]);
    if (o >= len && len > 4)
        memcpy(dst + len - 4, "...", 4);
}

void format_time(char *dst, size_t len, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    long long d = (long long)t - (long long)time(NULL);
    long long a = d < 0 ? -d : d;
    char when[64];
    if (a < 120)
        snprintf(when, sizeof(when), "%lld s", a);
    else if (a < 7200)
        snprintf(when, sizeof(when), "%lld min", a / 60);
    else if (a < 172800)
        snprintf(when, sizeof(when), "%lld h", a / 3600);
    else
        snprintf(when, sizeof(when), "%lld days", a / 86400);
    if (gmtime_r(&tt, &tm) == NULL || strftime(dst, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(dst, len, "%lld", (long long)t);
    size_t o = strlen(dst);
    if (d == 0)
        snprintf(dst + o, len - o, " (now)");
    else
        snprintf(dst + o, len - o, d > 0 ? " (in %s)" : " (%s ago)", when);
}
