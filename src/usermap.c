#include <config.h>

#include "usermap.h"
#include "files.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum oi_reason line_error(struct oi_config_error *err, const char *path, unsigned lineno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum oi_reason line_error(struct oi_config_error *err, const char *path, unsigned lineno, const char *fmt, ...)
{
    va_list ap;
    snprintf(err->where, sizeof(err->where), "%s:%u", path, lineno);
    snprintf(err->key, sizeof(err->key), "user_map");
    va_start(ap, fmt);
    vsnprintf(err->what, sizeof(err->what), fmt, ap);
    va_end(ap);
    return OI_CONFIG;
}

static bool is_glob(const char *s)
{
    return strpbrk(s, "*?") != NULL;
}

/* Account names as useradd(8) takes them, plus * and ? for globs. */
static bool valid_account(const char *s)
{
    if (*s == '\0' || *s == '-' || strlen(s) > 32)
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-$*?", *p))
            return false;
    return true;
}

/* Subjects are whatever the server issues, so anything printable; '[' and '\' are refused
 * so that a glob can only mean * and ?, never a character class or an escape. */
static bool valid_subject(const char *s)
{
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '[' || *p == '\\')
            return false;
    return *s != '\0';
}

static void free_line(struct oi_map_line *l)
{
    free(l->subject);
    free(l->account);
    oi_strlist_free(&l->clients);
    oi_strlist_free(&l->scopes);
    oi_strlist_free(&l->services);
}

void oi_usermap_free(struct oi_usermap *map)
{
    for (size_t i = 0; i < map->n; i++)
        free_line(&map->lines[i]);
    free(map->lines);
    map->lines = NULL;
    map->n = 0;
}

static enum oi_reason parse_option(struct oi_map_line *l, const char *word, const char *path,
                                   struct oi_config_error *err)
{
    static const char *names[] = {"client", "scope", "service"};
    struct oi_strlist *lists[] = {&l->clients, &l->scopes, &l->services};
    const char *eq = strchr(word, '=');
    size_t klen = eq ? (size_t)(eq - word) : strlen(word);
    for (size_t i = 0; i < 3; i++) {
        if (strlen(names[i]) != klen || strncmp(word, names[i], klen) != 0)
            continue;
        if (lists[i]->n > 0)
            return line_error(err, path, l->lineno, "'%s=' given twice", names[i]);
        if (eq == NULL || eq[1] == '\0')
            return line_error(err, path, l->lineno, "'%s=' needs a comma list", names[i]);
        enum oi_reason rc = oi_strlist_split(lists[i], eq + 1, ',');
        if (rc == OI_CONFIG)
            return line_error(err, path, l->lineno, "'%s=' has an empty item", names[i]);
        return rc;
    }
    return line_error(err, path, l->lineno, "'%.40s' is not an option (client=, scope=, service=)", word);
}

static enum oi_reason parse_line(struct oi_map_line *l, char *text, const char *path, struct oi_config_error *err)
{
    char *save = NULL;
    char *subject = strtok_r(text, " \t", &save);
    char *account = strtok_r(NULL, " \t", &save);
    if (account == NULL)
        return line_error(err, path, l->lineno, "needs a subject and an account");
    if (!valid_subject(subject))
        return line_error(err, path, l->lineno, "subject '%.40s' has a character that is not allowed", subject);
    if (!valid_account(account) || strchr(account, '=') != NULL)
        return line_error(err, path, l->lineno, "'%.40s' is not an account name", account);
    l->subject = strdup(subject);
    l->account = strdup(account);
    if (l->subject == NULL || l->account == NULL)
        return OI_NOMEM;
    l->literal = !is_glob(subject) && !is_glob(account);
    for (char *w = strtok_r(NULL, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        enum oi_reason rc = parse_option(l, w, path, err);
        if (rc != 0)
            return rc;
    }
    return OI_OK;
}

enum oi_reason oi_usermap_parse(struct oi_usermap *map, const char *path, const char *text, size_t len,
                                struct oi_config_error *err)
{
    struct oi_usermap out = {0};
    size_t cap = 0;
    unsigned lineno = 0;
    enum oi_reason rc = OI_OK;

    memset(map, 0, sizeof(*map));
    const char *nul = memchr(text, '\0', len);
    if (nul != NULL) {
        unsigned at = 1;
        for (const char *c = text; c < nul; c++)
            at += *c == '\n';
        return line_error(err, path, at, "contains a NUL byte");
    }
    for (size_t pos = 0; pos < len && rc == OI_OK;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        lineno++;
        char buf[1024];
        if (n >= sizeof(buf)) {
            rc = line_error(err, path, lineno, "line longer than %zu characters", sizeof(buf) - 1);
            break;
        }
        memcpy(buf, text + pos, n);
        buf[n] = '\0';
        pos += n + 1;
        for (char *p = buf; *p; p++)
            if (((unsigned char)*p < 0x20 || *p == 0x7f) && *p != '\t' && !(*p == '\r' && p[1] == '\0')) {
                rc = line_error(err, path, lineno, "control character");
                break;
            }
        char *p = buf;
        while (isspace((unsigned char)*p))
            p++;
        if (rc != 0 || *p == '\0' || *p == '#')
            continue;
        p[strcspn(p, "\r")] = '\0';
        if (out.n == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            struct oi_map_line *bigger = realloc(out.lines, ncap * sizeof(*bigger));
            if (bigger == NULL) {
                rc = -2;
                break;
            }
            out.lines = bigger;
            cap = ncap;
        }
        struct oi_map_line *l = &out.lines[out.n++];
        memset(l, 0, sizeof(*l));
        l->lineno = lineno;
        rc = parse_line(l, p, path, err);
    }
    if (rc != 0) {
        oi_usermap_free(&out);
        return rc;
    }
    *map = out;
    return OI_OK;
}

enum oi_reason oi_usermap_load(struct oi_usermap *map, const char *path, struct oi_config_error *err)
{
    char *text = NULL;
    size_t len = 0;
    memset(map, 0, sizeof(*map));
    enum oi_reason rc = oi_read_trusted_file(path, false, OI_USERMAP_MAX_BYTES, &text, &len, err);
    if (rc == OI_CONFIG) {
        snprintf(err->where, sizeof(err->where), "%s", path);
        snprintf(err->key, sizeof(err->key), "user_map");
    }
    if (rc != 0)
        return rc;
    rc = oi_usermap_parse(map, path, text, len, err);
    free(text);
    return rc;
}

static bool glob_matches(const char *pattern, const char *s)
{
    return fnmatch(pattern, s, FNM_NOESCAPE) == 0;
}

static bool has_scopes(const struct oi_strlist *want, const char *granted)
{
    for (size_t i = 0; i < want->n; i++)
        if (granted == NULL || !oi_word_in(granted, strlen(granted), want->items[i], ' '))
            return false;
    return true;
}

enum oi_reason oi_usermap_match(const struct oi_usermap *map, const struct oi_map_query *q, bool literal_only,
                                const struct oi_map_line **line)
{
    enum oi_reason best = OI_USER_MISMATCH;
    *line = NULL;
    for (size_t i = 0; i < map->n; i++) {
        const struct oi_map_line *l = &map->lines[i];
        if (literal_only && !l->literal)
            continue;
        if (!glob_matches(l->subject, q->subject) || !glob_matches(l->account, q->account))
            continue;
        if (l->services.n > 0 && !oi_strlist_contains(&l->services, q->service, strlen(q->service)))
            continue;
        if (l->clients.n > 0 &&
            (q->client_id == NULL || !oi_strlist_contains(&l->clients, q->client_id, strlen(q->client_id))))
            continue;
        if (!has_scopes(&l->scopes, q->scope)) {
            best = OI_SCOPE;
            continue;
        }
        *line = l;
        return OI_OK;
    }
    return best;
}
