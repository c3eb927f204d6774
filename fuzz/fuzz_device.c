/* Harness: the device flow's three answers (device_answer.c), each hostile input from a server,
 * and the prompt built from an accepted code (device_prompt.c). The first byte picks the answer:
 * 'D'/'d' the discovery document, 'C'/'c' the code, 'P'/'p' a poll of the token endpoint (any
 * other byte: its value modulo 3); its 0x20 bit allows http:// URLs, its 0x40 bit draws the QR
 * code in the prompt. A poll takes the HTTP status from the second byte ('2' 200, '4' 400,
 * '1' 401, '5' 500, '9' 429, '3' 302, else from a table). The rest is the body.
 * What is accepted is checked against the rules the caller and the person rely on, written apart
 * from device_answer.c: only printable ASCII without spaces, within bounds, http(s) URLs with a
 * host, one server for the QR code and the text, a sane interval and lifetime; what is refused
 * hands nothing out, and why is printable. */
#include <config.h>

#include "fuzz.h"
#include "device.h"
#include "device_prompt.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NOW INT64_C(1767225600) /* 2026-01-01T00:00:00Z: fixed, so that replays are repeatable */
#define HTTPS_ISSUER "https://hydra.example:4444"
#define HTTP_ISSUER "http://127.0.0.1:4444/"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

/* Printable ASCII without spaces, 1..max bytes. */
static bool plain(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= ' ' || s[i] > '~')
            return false;
    return true;
}

static void check_why(const char *why, size_t size)
{
    FUZZ_ASSERT(memchr(why, '\0', size) != NULL);
    FUZZ_ASSERT(why[0] != '\0');
    for (const char *p = why; *p; p++)
        FUZZ_ASSERT(*p >= ' ' && *p <= '~');
}

/* The origin ("scheme://host[:port]") of an http(s) URL with a host, NULL when it is not one. */
static const char *origin_end(const char *url, bool allow_http)
{
    const char *host = strncmp(url, "https://", 8) == 0                ? url + 8
                       : allow_http && strncmp(url, "http://", 7) == 0 ? url + 7
                                                                       : NULL;
    if (host == NULL)
        return NULL;
    const char *end = host;
    while (*end && *end != '/' && *end != '?' && *end != '#')
        end++;
    return end > host ? end : NULL;
}

static bool url_ok(const char *url, bool allow_http)
{
    return url != NULL && plain(url, OI_DEVICE_MAX_URI) && origin_end(url, allow_http) != NULL;
}

static void discovery(const char *body, size_t len, bool allow_http)
{
    struct oi_device_endpoints ep;
    char why[300];
    memset(&ep, 0x5a, sizeof(ep));
    why[0] = '\0';
    const char *issuer = allow_http ? HTTP_ISSUER : HTTPS_ISSUER;
    enum oi_reason r = oi_device_parse_discovery(body, len, issuer, allow_http, &ep, why, sizeof(why));
    if (r == OI_OK) {
        FUZZ_ASSERT(url_ok(ep.auth_url, allow_http));
        FUZZ_ASSERT(url_ok(ep.token_url, allow_http));
    } else {
        FUZZ_ASSERT(r == OI_BAD_ANSWER || r == OI_CONFIG);
        FUZZ_ASSERT(ep.auth_url == NULL && ep.token_url == NULL);
        check_why(why, sizeof(why));
    }
    oi_device_endpoints_free(&ep);
}

/* Printable ASCII, '\n' and the QR code's three half blocks: nothing a terminal acts on. */
static void check_terminal_safe(const char *s)
{
    for (size_t i = 0; s[i];) {
        if ((s[i] >= ' ' && s[i] <= '~') || s[i] == '\n')
            i++;
        else if (strncmp(s + i, "\xe2\x96\x88", 3) == 0 || strncmp(s + i, "\xe2\x96\x80", 3) == 0 ||
                 strncmp(s + i, "\xe2\x96\x84", 3) == 0)
            i += 3;
        else
            FUZZ_ASSERT(!"a byte in the prompt that a terminal could act on");
    }
}

static void code(const char *body, size_t len, bool allow_http, bool qr)
{
    struct oi_device_code c;
    char why[300];
    memset(&c, 0x5a, sizeof(c));
    why[0] = '\0';
    enum oi_reason r = oi_device_parse_code(body, len, allow_http, &c, why, sizeof(why));
    if (r != OI_OK) {
        FUZZ_ASSERT(r == OI_BAD_ANSWER);
        FUZZ_ASSERT(c.device_code == NULL && c.user_code == NULL && c.verification_uri == NULL &&
                    c.verification_uri_complete == NULL && c.expires_in == 0 && c.interval == 0);
        check_why(why, sizeof(why));
        return;
    }
    FUZZ_ASSERT(c.device_code != NULL && plain(c.device_code, OI_DEVICE_MAX_DEVICE_CODE));
    FUZZ_ASSERT(c.user_code != NULL && plain(c.user_code, OI_DEVICE_MAX_USER_CODE));
    FUZZ_ASSERT(url_ok(c.verification_uri, allow_http));
    if (c.verification_uri_complete != NULL) {
        /* The QR code and the text lead to the same server. */
        FUZZ_ASSERT(url_ok(c.verification_uri_complete, allow_http));
        size_t a = (size_t)(origin_end(c.verification_uri, allow_http) - c.verification_uri);
        size_t b = (size_t)(origin_end(c.verification_uri_complete, allow_http) - c.verification_uri_complete);
        FUZZ_ASSERT(a == b && memcmp(c.verification_uri, c.verification_uri_complete, a) == 0);
    }
    FUZZ_ASSERT(c.expires_in > 0 && c.expires_in <= 86400L * 365);
    FUZZ_ASSERT(c.interval >= OI_DEVICE_MIN_INTERVAL && c.interval <= OI_DEVICE_MAX_INTERVAL);

    /* What the person is shown: the code verbatim, the URL, and nothing else from the server. */
    static const struct oi_subject subj = {"alice", "sshd", "host1", "192.0.2.7", NULL};
    char *p = oi_device_prompt(&c, &subj, NOW + c.expires_in, qr);
    FUZZ_ASSERT(p != NULL);
    check_terminal_safe(p);
    FUZZ_ASSERT(strstr(p, c.user_code) != NULL);
    FUZZ_ASSERT(strstr(p, c.verification_uri_complete ? c.verification_uri_complete : c.verification_uri) != NULL);
    FUZZ_ASSERT(qr == (strstr(p, "\xe2\x96\x88") != NULL));
    const char *end = "Press Enter once approved: ";
    FUZZ_ASSERT(strlen(p) > strlen(end) && strcmp(p + strlen(p) - strlen(end), end) == 0);
    free(p);
    oi_device_code_free(&c);
    FUZZ_ASSERT(c.device_code == NULL && c.user_code == NULL);
}

static enum oi_device_poll poll_once(long status, const char *body, size_t len, long max, char **token)
{
    char why[450];
    why[0] = '\0';
    enum oi_device_poll p = oi_device_parse_poll(status, body, len, max, token, why, sizeof(why));
    if (p != OI_POLL_TOKEN)
        check_why(why, sizeof(why));
    if (p == OI_POLL_TOKEN) {
        FUZZ_ASSERT(status == 200);
        FUZZ_ASSERT(*token != NULL && plain(*token, (size_t)max));
    } else {
        FUZZ_ASSERT(*token == NULL);
        FUZZ_ASSERT(p == OI_POLL_FAILED || status == 400);
        FUZZ_ASSERT(p >= OI_POLL_PENDING && p <= OI_POLL_FAILED);
    }
    return p;
}

static void poll_answer(long status, const char *body, size_t len)
{
    char *token = NULL;
    enum oi_device_poll p = poll_once(status, body, len, 4096, &token);
    if (p != OI_POLL_TOKEN)
        return;
    /* max_token_length is a bound, exactly. */
    size_t n = strlen(token);
    char *again = NULL;
    FUZZ_ASSERT(poll_once(status, body, len, (long)n, &again) == OI_POLL_TOKEN);
    FUZZ_ASSERT(strcmp(again, token) == 0);
    oi_free_secret(&again);
    if (n > 1)
        FUZZ_ASSERT(poll_once(status, body, len, (long)n - 1, &again) == OI_POLL_FAILED);
    oi_free_secret(&token);
    FUZZ_ASSERT(token == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t b = data[0];
    int kind = (b | 0x20) == 'd' ? 0 : (b | 0x20) == 'c' ? 1 : (b | 0x20) == 'p' ? 2 : b % 3;
    bool allow_http = (b & 0x20) != 0, qr = (b & 0x40) != 0;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    if (kind == 0) {
        discovery(body, len, allow_http);
    } else if (kind == 1) {
        code(body, len, allow_http, qr);
    } else if (len >= 1) {
        static const long statuses[] = {200, 400, 401, 403, 404, 429, 500, 502, 503, 302, 0, -1};
        uint8_t s = data[1];
        long status = s == '2'   ? 200
                      : s == '4' ? 400
                      : s == '1' ? 401
                      : s == '5' ? 500
                      : s == '9' ? 429
                      : s == '3' ? 302
                                 : statuses[s % (sizeof(statuses) / sizeof(statuses[0]))];
        poll_answer(status, body + 1, len - 1);
    }
    return 0;
}
