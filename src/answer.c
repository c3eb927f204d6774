#include <config.h>

#include "answer.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/printbuf.h>

/* Times beyond year 9999 are nonsense from a server, not a long-lived token. */
#define OI_MAX_TIME INT64_C(253402300799)
#define OI_JSON_DEPTH 10

static enum oi_reason bad(char *why, size_t whylen, const char *field, const char *problem)
{
    snprintf(why, whylen, "field '%s' %s", field, problem);
    return OI_BAD_ANSWER;
}

static bool get_string(json_object *root, const char *key, struct oi_jstr *out, bool *wrong_type)
{
    json_object *v;
    if (!json_object_object_get_ex(root, key, &v))
        return false;
    if (!json_object_is_type(v, json_type_string)) {
        *wrong_type = true;
        return false;
    }
    out->s = json_object_get_string(v);
    out->len = (size_t)json_object_get_string_len(v);
    return true;
}

static bool get_time(json_object *root, const char *key, int64_t *out, bool *wrong_type)
{
    json_object *v;
    if (!json_object_object_get_ex(root, key, &v))
        return false;
    if (!json_object_is_type(v, json_type_int)) {
        *wrong_type = true;
        return false;
    }
    errno = 0;
    int64_t t = json_object_get_int64(v);
    if (errno != 0 || t < 0 || t > OI_MAX_TIME) {
        *wrong_type = true;
        return false;
    }
    *out = t;
    return true;
}

static bool valid_aud(json_object *aud)
{
    if (json_object_is_type(aud, json_type_string))
        return true;
    if (!json_object_is_type(aud, json_type_array))
        return false;
    for (size_t i = 0; i < json_object_array_length(aud); i++)
        if (!json_object_is_type(json_object_array_get_idx(aud, i), json_type_string))
            return false;
    return true;
}

/* Length of the UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates, at most U+10FFFF),
 * or 0 when it is not valid. */
static size_t utf8_len(const unsigned char *p, size_t avail)
{
    if (p[0] < 0x80)
        return 1;
    size_t n = p[0] >= 0xc2 && p[0] <= 0xdf   ? 2
               : p[0] >= 0xe0 && p[0] <= 0xef ? 3
               : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4
                                              : 0;
    if (n == 0 || n > avail)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) || (p[0] == 0xf0 && p[1] < 0x90) ||
        (p[0] == 0xf4 && p[1] > 0x8f))
        return 0;
    return n;
}

/* What json-c's strict mode lets through (0.16): single quotes, raw control characters in
 * strings, invalid UTF-8, and keys holding an escaped NUL (json-c keeps keys as C strings, so
 * "active\u0000" would read as "active"). Also counts the ':' outside strings, one per object
 * member, so that duplicate keys (json-c keeps the last silently) can be found after parsing. */
static bool json_text_ok(const char *body, size_t len, size_t *members, char *why, size_t whylen)
{
    const unsigned char *p = (const unsigned char *)body;
    bool in_string = false, string_has_nul = false, last_string_has_nul = false;
    *members = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        size_t n = utf8_len(p + i, len - i);
        if (n == 0) {
            snprintf(why, whylen, "invalid UTF-8 at byte %zu", i);
            return false;
        }
        if (in_string) {
            if (c < 0x20) {
                snprintf(why, whylen, "control character in a string at byte %zu", i);
                return false;
            }
            if (c == '\\') {
                n = 2; /* the escaped character is never a quote that ends the string */
                string_has_nul |= len - i >= 6 && memcmp(p + i + 1, "u0000", 5) == 0;
            } else if (c == '"') {
                in_string = false;
                last_string_has_nul = string_has_nul;
            }
        } else if (c == '"') {
            in_string = true;
            string_has_nul = false;
        } else if (c == '\'') {
            snprintf(why, whylen, "single quote at byte %zu", i);
            return false;
        } else if (c == ':') {
            /* The string just before a ':' is the member's key. */
            if (last_string_has_nul) {
                snprintf(why, whylen, "a key holds a NUL character (\\u0000) before byte %zu", i);
                return false;
            }
            (*members)++;
        }
        i += n;
    }
    return true;
}

static size_t count_members(json_object *o)
{
    size_t n = 0;
    if (json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, key, val)
        {
            (void)key;
            n += 1 + count_members(val);
        }
    } else if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++)
            n += count_members(json_object_array_get_idx(o, i));
    }
    return n;
}

json_object *oi_answer_parse_object(const char *body, size_t len, char *why, size_t whylen)
{
    if (len == 0) {
        snprintf(why, whylen, "empty body");
        return NULL;
    }
    if (memchr(body, '\0', len) != NULL) {
        snprintf(why, whylen, "NUL byte in body");
        return NULL;
    }
    size_t members;
    if (!json_text_ok(body, len, &members, why, whylen))
        return NULL;
    json_tokener *tok = json_tokener_new_ex(OI_JSON_DEPTH);
    if (tok == NULL) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *root = json_tokener_parse_ex(tok, body, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    /* Its buffer holds the last strings read, which may be a token (device.h): wiped, not just freed. */
    if (tok->pb != NULL && tok->pb->buf != NULL)
        oi_wipe(tok->pb->buf, (size_t)tok->pb->size);
    json_tokener_free(tok);
    if (root == NULL) {
        snprintf(why, whylen, "not JSON: %s",
                 jerr == json_tokener_continue ? "truncated, or a bare value" : json_tokener_error_desc(jerr));
        return NULL;
    }
    while (end < len && (body[end] == ' ' || body[end] == '\t' || body[end] == '\r' || body[end] == '\n'))
        end++;
    if (end != len) {
        json_object_put(root);
        snprintf(why, whylen, "trailing data after the JSON value");
        return NULL;
    }
    if (!json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        snprintf(why, whylen, "the JSON value is not an object");
        return NULL;
    }
    if (count_members(root) != members) {
        json_object_put(root);
        snprintf(why, whylen, "a key appears twice in one object");
        return NULL;
    }
    return root;
}

enum oi_reason oi_parse_answer(const char *body, size_t len, struct oi_token_info *info, char *why, size_t whylen)
{
    memset(info, 0, sizeof(*info));
    if (len > INT32_MAX)
        return bad(why, whylen, "(body)", "is too large");
    info->root = oi_answer_parse_object(body, len, why, whylen);
    if (info->root == NULL)
        return OI_BAD_ANSWER;

    json_object *active;
    if (!json_object_object_get_ex(info->root, "active", &active))
        return bad(why, whylen, "active", "is missing");
    if (!json_object_is_type(active, json_type_boolean))
        return bad(why, whylen, "active", "is not a JSON boolean");
    info->active = json_object_get_boolean(active);
    if (!info->active)
        return OI_OK; /* nothing else matters, and Hydra sends nothing else */

    static const struct {
        const char *name;
        size_t offset;
    } strings[] = {
        {"sub", offsetof(struct oi_token_info, sub)},
        {"client_id", offsetof(struct oi_token_info, client_id)},
        {"scope", offsetof(struct oi_token_info, scope)},
        {"iss", offsetof(struct oi_token_info, iss)},
        {"token_use", offsetof(struct oi_token_info, token_use)},
        {"username", offsetof(struct oi_token_info, username)},
    };
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        bool wrong = false;
        get_string(info->root, strings[i].name, (struct oi_jstr *)((char *)info + strings[i].offset), &wrong);
        if (wrong)
            return bad(why, whylen, strings[i].name, "is not a JSON string");
    }
    static const struct {
        const char *name;
        size_t has, value;
    } times[] = {
        {"exp", offsetof(struct oi_token_info, has_exp), offsetof(struct oi_token_info, exp)},
        {"iat", offsetof(struct oi_token_info, has_iat), offsetof(struct oi_token_info, iat)},
        {"nbf", offsetof(struct oi_token_info, has_nbf), offsetof(struct oi_token_info, nbf)},
    };
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        bool wrong = false;
        *(bool *)((char *)info + times[i].has) =
            get_time(info->root, times[i].name, (int64_t *)((char *)info + times[i].value), &wrong);
        if (wrong)
            return bad(why, whylen, times[i].name, "is not a whole number of seconds in 0..year 9999");
    }
    json_object *v;
    if (json_object_object_get_ex(info->root, "aud", &v)) {
        if (!valid_aud(v))
            return bad(why, whylen, "aud", "is not a string or an array of strings");
        info->aud = v;
    }
    if (json_object_object_get_ex(info->root, "ext", &v) && !json_object_is_type(v, json_type_object))
        return bad(why, whylen, "ext", "is not a JSON object");
    return OI_OK;
}

void oi_token_info_free(struct oi_token_info *info)
{
    json_object_put(info->root);
    memset(info, 0, sizeof(*info));
}

bool oi_jstr_dup(const struct oi_jstr *j, char **dst)
{
    *dst = NULL;
    if (j->s == NULL || memchr(j->s, '\0', j->len) != NULL)
        return true;
    *dst = strndup(j->s, j->len);
    return *dst != NULL;
}

bool oi_claim_string(const struct oi_token_info *info, const char *path, struct oi_jstr *out)
{
    json_object *cur = info->root;
    const char *p = path;
    out->s = NULL;
    out->len = 0;
    while (cur != NULL) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        char key[128];
        if (n == 0 || n >= sizeof(key) || !json_object_is_type(cur, json_type_object))
            return false;
        memcpy(key, p, n);
        key[n] = '\0';
        json_object *next;
        if (!json_object_object_get_ex(cur, key, &next))
            return false;
        if (dot == NULL) {
            if (!json_object_is_type(next, json_type_string))
                return false;
            out->s = json_object_get_string(next);
            out->len = (size_t)json_object_get_string_len(next);
            return true;
        }
        cur = next;
        p = dot + 1;
    }
    return false;
}

bool oi_answer_is_json(const char *content_type)
{
    if (strncasecmp(content_type, "application/json", 16) != 0)
        return false;
    char next = content_type[16];
    return next == '\0' || next == ';' || next == ' ';
}

/* A string member of an object, as printable text; "" when absent or not a string. */
static void string_member(json_object *root, const char *key, char *dst, size_t len, size_t max)
{
    json_object *v;
    dst[0] = '\0';
    if (json_object_object_get_ex(root, key, &v) && json_object_is_type(v, json_type_string)) {
        size_t n = (size_t)json_object_get_string_len(v);
        oi_printable(dst, len, json_object_get_string(v), n < max ? n : max);
    }
}

void oi_answer_error(const char *body, size_t len, char *error, size_t error_len, char *description,
                     size_t description_len)
{
    char why[64];
    json_object *root = body != NULL && len <= INT32_MAX ? oi_answer_parse_object(body, len, why, sizeof(why)) : NULL;
    error[0] = description[0] = '\0';
    if (root != NULL) {
        string_member(root, "error", error, error_len, 100);
        string_member(root, "error_description", description, description_len, 250);
    }
    json_object_put(root);
}
