/* The device flow's answers (device.h): the discovery document, the code, and each poll of the
 * token endpoint, parsed as strictly as an introspection answer. What a server sends is hostile
 * input, and some of it is shown to a person on a terminal: only printable ASCII gets through. */
#include <config.h>

#include "device.h"
#include "answer.h"
#include "util.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEVICE_GRANT "urn:ietf:params:oauth:grant-type:device_code"

void oi_device_endpoints_free(struct oi_device_endpoints *ep)
{
    free(ep->auth_url);
    free(ep->token_url);
    ep->auth_url = ep->token_url = NULL;
}

void oi_device_code_free(struct oi_device_code *code)
{
    oi_free_secret(&code->device_code);
    free(code->user_code);
    free(code->verification_uri);
    free(code->verification_uri_complete);
    memset(code, 0, sizeof(*code));
}

/* Free an answer that may hold secrets (a device code, a token): its strings wiped first. */
static void put_wiped(json_object *root)
{
    json_object_object_foreach(root, key, v)
    {
        (void)key;
        if (json_object_is_type(v, json_type_string)) {
            /* json-c hands out only const views of the string it owns, and frees it unwiped. */
            char *owned = (char *)(uintptr_t)json_object_get_string(v);
            oi_wipe(owned, (size_t)json_object_get_string_len(v));
        }
    }
    json_object_put(root);
}

/* The string member key, 1..max plain bytes, as an owned copy in *dst. "" when fine, else why. */
static const char *take_string(json_object *root, const char *key, size_t max, bool required, char **dst)
{
    json_object *v;
    *dst = NULL;
    if (!json_object_object_get_ex(root, key, &v))
        return required ? "is missing" : "";
    if (!json_object_is_type(v, json_type_string))
        return "is not a string";
    const char *s = json_object_get_string(v);
    size_t len = (size_t)json_object_get_string_len(v);
    if (len == 0 || len > max)
        return len == 0 ? "is empty" : "is too long";
    if (oi_plain_len(s, len) < len) /* nothing a terminal would act on */
        return "holds spaces, control or non-ASCII characters";
    *dst = strndup(s, len);
    return *dst ? "" : "cannot be copied: out of memory";
}

/* An http(s) URL with a host, http only when allowed. */
static const char *url_problem(const char *url, bool allow_http)
{
    const char *rest = oi_skip_prefix(url, "https://");
    if (rest == NULL && (rest = oi_skip_prefix(url, "http://")) != NULL && !allow_http)
        return "is plain http (only https is accepted)";
    if (rest == NULL)
        return "is not an http(s) URL";
    if (*rest == '\0' || *rest == '/' || *rest == '?' || *rest == '#')
        return "has no host";
    /* "https://hydra.example@evil.example/" reads as one server and leads to another. */
    if (memchr(rest, '@', strcspn(rest, "/?#")) != NULL)
        return "names a user before its host ('@'), which hides where it leads";
    return "";
}

/* The length of url's origin, "scheme://host[:port]". */
static size_t origin_len(const char *url)
{
    const char *host = strstr(url, "://") + 3;
    return (size_t)(host - url) + strcspn(host, "/?#");
}

static enum oi_reason fail(char *why, size_t whylen, const char *field, const char *problem)
{
    snprintf(why, whylen, "'%s' %s", field, problem);
    return OI_BAD_ANSWER;
}

/* An integer member: *out, or why not. absent: what a missing one means (NULL: required). */
static const char *take_long(json_object *root, const char *key, const long *absent, long *out)
{
    json_object *v;
    if (!json_object_object_get_ex(root, key, &v)) {
        if (absent == NULL)
            return "is missing";
        *out = *absent;
        return "";
    }
    if (!json_object_is_type(v, json_type_int))
        return "is not an integer";
    errno = 0;
    int64_t n = json_object_get_int64(v);
    if (errno != 0 || n < 0 || n > 86400 * 365)
        return "is out of range";
    *out = (long)n;
    return "";
}

enum oi_reason oi_device_parse_discovery(const char *body, size_t len, const char *issuer, bool allow_http,
                                         struct oi_device_endpoints *ep, char *why, size_t whylen)
{
    memset(ep, 0, sizeof(*ep));
    json_object *root = oi_answer_parse_object(body, len, why, whylen), *v, *grants = NULL;
    if (root == NULL)
        return OI_BAD_ANSWER;
    enum oi_reason r = OI_BAD_ANSWER;
    const char *p;
    if (!json_object_object_get_ex(root, "issuer", &v) || !json_object_is_type(v, json_type_string)) {
        fail(why, whylen, "issuer", "is missing or not a string");
        goto out;
    }
    struct oi_jstr named = {json_object_get_string(v), (size_t)json_object_get_string_len(v)};
    if (!oi_issuer_matches(&named, issuer)) {
        char shown[200];
        oi_printable(shown, sizeof(shown), named.s, named.len);
        snprintf(why, whylen, "'issuer' is %s, not the configured issuer %s", shown, issuer);
        goto out;
    }
    if (json_object_object_get_ex(root, "grant_types_supported", &grants) &&
        !json_object_is_type(grants, json_type_array)) {
        fail(why, whylen, "grant_types_supported", "is not an array");
        goto out;
    }
    if (grants != NULL && json_object_is_type(grants, json_type_array)) {
        bool found = false;
        for (size_t i = 0; i < json_object_array_length(grants); i++) {
            json_object *g = json_object_array_get_idx(grants, i);
            found |= json_object_is_type(g, json_type_string) && strcmp(json_object_get_string(g), DEVICE_GRANT) == 0;
        }
        if (!found) {
            snprintf(why, whylen,
                     "lists no " DEVICE_GRANT " in grant_types_supported: the server has no device flow (Hydra "
                     "has it since v25.4.0)");
            r = OI_CONFIG;
            goto out;
        }
    }
    if (!json_object_object_get_ex(root, "device_authorization_endpoint", &v)) {
        snprintf(why, whylen,
                 "names no device_authorization_endpoint: the server has no device flow (Hydra has it since "
                 "v25.4.0)");
        r = OI_CONFIG;
        goto out;
    }
    if (*(p = take_string(root, "device_authorization_endpoint", OI_DEVICE_MAX_URI, true, &ep->auth_url)) ||
        *(p = url_problem(ep->auth_url, allow_http))) {
        fail(why, whylen, "device_authorization_endpoint", p);
        goto out;
    }
    if (*(p = take_string(root, "token_endpoint", OI_DEVICE_MAX_URI, true, &ep->token_url)) ||
        *(p = url_problem(ep->token_url, allow_http))) {
        fail(why, whylen, "token_endpoint", p);
        goto out;
    }
    r = OI_OK;
out:
    json_object_put(root);
    if (r != OI_OK)
        oi_device_endpoints_free(ep);
    return r;
}

enum oi_reason oi_device_parse_code(const char *body, size_t len, bool allow_http, struct oi_device_code *code,
                                    char *why, size_t whylen)
{
    memset(code, 0, sizeof(*code));
    json_object *root = oi_answer_parse_object(body, len, why, whylen);
    if (root == NULL)
        return OI_BAD_ANSWER;
    static const long default_interval = OI_DEVICE_DEFAULT_INTERVAL;
    enum oi_reason r = OI_BAD_ANSWER;
    const char *p;
    if (*(p = take_string(root, "device_code", OI_DEVICE_MAX_DEVICE_CODE, true, &code->device_code))) {
        fail(why, whylen, "device_code", p);
    } else if (*(p = take_string(root, "user_code", OI_DEVICE_MAX_USER_CODE, true, &code->user_code))) {
        fail(why, whylen, "user_code", p);
    } else if (*(p = take_string(root, "verification_uri", OI_DEVICE_MAX_URI, true, &code->verification_uri)) ||
               *(p = url_problem(code->verification_uri, allow_http))) {
        fail(why, whylen, "verification_uri", p);
    } else if (*(p = take_string(root, "verification_uri_complete", OI_DEVICE_MAX_URI, false,
                                 &code->verification_uri_complete)) ||
               (code->verification_uri_complete != NULL &&
                *(p = url_problem(code->verification_uri_complete, allow_http)))) {
        fail(why, whylen, "verification_uri_complete", p);
    } else if (code->verification_uri_complete != NULL &&
               (origin_len(code->verification_uri_complete) != origin_len(code->verification_uri) ||
                strncmp(code->verification_uri_complete, code->verification_uri, origin_len(code->verification_uri)) !=
                    0)) {
        /* The QR code and the text must lead to the same server. */
        fail(why, whylen, "verification_uri_complete", "is on another server than verification_uri");
    } else if (*(p = take_long(root, "expires_in", NULL, &code->expires_in)) ||
               (code->expires_in == 0 && *(p = "is 0"))) {
        fail(why, whylen, "expires_in", p);
    } else if (*(p = take_long(root, "interval", &default_interval, &code->interval))) {
        fail(why, whylen, "interval", p);
    } else {
        if (code->interval < OI_DEVICE_MIN_INTERVAL)
            code->interval = OI_DEVICE_MIN_INTERVAL;
        if (code->interval > OI_DEVICE_MAX_INTERVAL)
            code->interval = OI_DEVICE_MAX_INTERVAL;
        r = OI_OK;
    }
    put_wiped(root);
    if (r != OI_OK)
        oi_device_code_free(code);
    return r;
}

void oi_device_describe(long status, const char *body, size_t len, char *dst, size_t dstlen)
{
    char error[128], description[300];
    oi_answer_error(body, len, error, sizeof(error), description, sizeof(description));
    snprintf(dst, dstlen, "HTTP %ld (error %s%s%s)", status, error[0] ? error : "-", description[0] ? ": " : "",
             description);
}

enum oi_device_poll oi_device_parse_poll(long status, const char *body, size_t len, long max_token_length, char **token,
                                         char *why, size_t whylen)
{
    *token = NULL;
    if (status != 200) {
        char error[128], description[300];
        oi_answer_error(body, len, error, sizeof(error), description, sizeof(description));
        if (status == 400) {
            static const struct {
                const char *error;
                enum oi_device_poll poll;
            } known[] = {{"authorization_pending", OI_POLL_PENDING},
                         {"slow_down", OI_POLL_SLOW_DOWN},
                         {"access_denied", OI_POLL_DENIED},
                         {"expired_token", OI_POLL_EXPIRED}};
            for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
                if (strcmp(error, known[i].error) == 0) {
                    snprintf(why, whylen, "%s", error);
                    return known[i].poll;
                }
        }
        oi_device_describe(status, body, len, why, whylen);
        return OI_POLL_FAILED;
    }
    json_object *root = oi_answer_parse_object(body, len, why, whylen), *type;
    if (root == NULL)
        return OI_POLL_FAILED;
    enum oi_device_poll r = OI_POLL_FAILED;
    const char *p = take_string(root, "access_token", (size_t)max_token_length, true, token);
    if (*p)
        fail(why, whylen, "access_token", p);
    else if (!json_object_object_get_ex(root, "token_type", &type) || !json_object_is_type(type, json_type_string))
        fail(why, whylen, "token_type", "is missing or not a string");
    else if (strcasecmp(json_object_get_string(type), "bearer") != 0 ||
             (size_t)json_object_get_string_len(type) != strlen("bearer"))
        fail(why, whylen, "token_type", "is not Bearer");
    else
        r = OI_POLL_TOKEN;
    put_wiped(root);
    if (r != OI_POLL_TOKEN)
        oi_free_secret(token);
    return r;
}
