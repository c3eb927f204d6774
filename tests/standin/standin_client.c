#include <config.h>

#include "standin_client.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <security/pam_appl.h>

size_t tc_collect(char *data, size_t size, size_t n, void *buf)
{
    struct tc_buf *b = buf;
    char *grown = realloc(b->p, b->n + size * n + 1);
    if (grown == NULL)
        return 0;
    b->p = grown;
    memcpy(b->p + b->n, data, size * n);
    b->n += size * n;
    b->p[b->n] = '\0';
    return size * n;
}

const char *tc_env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL) {
        fprintf(stderr, "%s: %s is not set (run it through its tests/pam/*.sh script)\n", program_invocation_short_name,
                name);
        exit(99);
    }
    return v;
}

long tc_env_long(const char *name)
{
    return strtol(tc_env(name), NULL, 10);
}

char *tc_xstrdup(const char *s)
{
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

void tc_write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0 || chmod(path, mode) != 0) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        exit(99);
    }
}

char *tc_read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    struct tc_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        assert_int_equal(tc_collect(chunk, 1, n, &b), n);
    fclose(f);
    return b.p ? b.p : tc_xstrdup("");
}

char *tc_expand(const char *in, const char *(*names)[2], size_t n)
{
    struct tc_buf b = {0};
    for (const char *p = in; *p;) {
        size_t i = 0, len = 0;
        while (i < n && (names[i][1] == NULL || strncmp(p, names[i][0], len = strlen(names[i][0])) != 0))
            i++;
        const char *piece = i < n ? names[i][1] : p;
        size_t piece_len = i < n ? strlen(piece) : 1;
        assert_int_equal(tc_collect((char *)(uintptr_t)piece, 1, piece_len, &b), piece_len);
        p += i < n ? len : 1;
    }
    return b.p ? b.p : tc_xstrdup("");
}

const char *tc_pam_code_name(int rc)
{
    switch (rc) {
    case PAM_SUCCESS:
        return "PAM_SUCCESS";
    case PAM_AUTH_ERR:
        return "PAM_AUTH_ERR";
    case PAM_AUTHINFO_UNAVAIL:
        return "PAM_AUTHINFO_UNAVAIL";
    case PAM_SERVICE_ERR:
        return "PAM_SERVICE_ERR";
    case PAM_USER_UNKNOWN:
        return "PAM_USER_UNKNOWN";
    default:
        return "other";
    }
}

static const char *port_of(const char *prefix, const char *which)
{
    char name[64];
    snprintf(name, sizeof(name), "%s_%s", prefix, which);
    return tc_env(name);
}

char *standin_admin_url(const char *prefix)
{
    char *url = NULL;
    assert_true(asprintf(&url, "https://127.0.0.1:%s", port_of(prefix, "ADMIN")) > 0);
    return url;
}

json_object *standin_control(const char *prefix, const char *method, const char *path, const char *json)
{
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%s%s", port_of(prefix, "CONTROL"), path);
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    struct tc_buf b = {0};
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    if (json)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, tc_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(h);
    if (rc != CURLE_OK || status != 200)
        fail_msg("stand-in %s control %s %s: curl %d, HTTP %ld: %s", prefix, method, path, rc, status, b.p ? b.p : "");
    json_object *o = json_tokener_parse(b.p ? b.p : "null");
    free(b.p);
    return o;
}

char *standin_mint(const char *prefix, const char *spec)
{
    json_object *o = standin_control(prefix, "POST", "/tokens", spec), *t;
    assert_true(json_object_object_get_ex(o, "token", &t));
    char *token = tc_xstrdup(json_object_get_string(t));
    json_object_put(o);
    return token;
}
