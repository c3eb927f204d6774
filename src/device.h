/* The OAuth 2.0 device authorization grant (RFC 8628) for a person who has no token: where to
 * ask (device_auth_url and device_token_url, or the issuer's discovery document), the code the
 * server issues, and polling for the token until the server answers or our own deadline passes
 * (Hydra never says "denied" or "expired" before an approval). PAM-free: the caller shows the
 * code and waits for the person. The token it yields is decided on like a typed one (login.h). */
#ifndef OI_DEVICE_H
#define OI_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cfg.h"
#include "log.h"
#include "policy.h"
#include "reason.h"

/* Polls never come closer than this, nor further apart than OI_DEVICE_MAX_INTERVAL, whatever the
 * server asks (seconds); RFC 8628 3.2: 5 when it says nothing. */
#define OI_DEVICE_MIN_INTERVAL 1
#define OI_DEVICE_MAX_INTERVAL 60
#define OI_DEVICE_DEFAULT_INTERVAL 5
/* Bounds on what a server may hand us to show or send back. */
#define OI_DEVICE_MAX_USER_CODE 64
#define OI_DEVICE_MAX_URI 512
#define OI_DEVICE_MAX_DEVICE_CODE 1024

struct oi_device_endpoints {
    char *auth_url, *token_url;
};
void oi_device_endpoints_free(struct oi_device_endpoints *ep);

/* What the server issued (oi_device_parse_code): what the person is shown, and the secret that
 * polls for the token. */
struct oi_device_code {
    char *device_code;               /* a secret: never shown or logged; wiped by oi_device_code_free */
    char *user_code;                 /* printable ASCII, shown exactly as issued (Hydra's are case-sensitive) */
    char *verification_uri;          /* http(s), printable ASCII */
    char *verification_uri_complete; /* the same page with the code filled in; NULL when not sent */
    long expires_in;                 /* seconds, > 0 */
    long interval;                   /* seconds between polls, within the bounds above */
};
void oi_device_code_free(struct oi_device_code *code);

/* The answers, each parsed as strictly as an introspection answer; hostile input. OI_OK, or
 * OI_BAD_ANSWER (OI_CONFIG for a discovery document without the device grant) with why filled,
 * never holding a secret. allow_http: whether http:// URLs are acceptable (tests only). */
enum oi_reason oi_device_parse_discovery(const char *body, size_t len, const char *issuer, bool allow_http,
                                         struct oi_device_endpoints *ep, char *why, size_t whylen);
enum oi_reason oi_device_parse_code(const char *body, size_t len, bool allow_http, struct oi_device_code *code,
                                    char *why, size_t whylen);

/* The endpoints as a device flow finds them (device_auth_url and device_token_url, or the
 * issuer's discovery document, read within timeout_ms): OI_OK with ep filled (free with
 * oi_device_endpoints_free), else the reason, logged. For the tool's ping. */
enum oi_reason oi_device_find_endpoints(const struct oi_config *cfg, const struct oi_log *lg,
                                        struct oi_device_endpoints *ep);

/* A refusal for the log: "HTTP 400 (error invalid_scope: description)", the server's error
 * members as printable text, never the body itself. */
void oi_device_describe(long status, const char *body, size_t len, char *dst, size_t dstlen);

/* One answer of the token endpoint to a poll. */
enum oi_device_poll {
    OI_POLL_TOKEN,     /* 200 with a bearer access token: *token */
    OI_POLL_PENDING,   /* authorization_pending: ask again after the interval */
    OI_POLL_SLOW_DOWN, /* slow_down: ask again, 5 s further apart from now on */
    OI_POLL_DENIED,    /* access_denied */
    OI_POLL_EXPIRED,   /* expired_token */
    OI_POLL_FAILED,    /* anything else: final (why says what) */
};
/* *token: on OI_POLL_TOKEN, the access token (at most max_token_length bytes, printable, no
 * spaces), owned: the caller wipes it with oi_free_secret. */
enum oi_device_poll oi_device_parse_poll(long status, const char *body, size_t len, long max_token_length, char **token,
                                         char *why, size_t whylen);

/* The caller's part: show the code (expires_at: seconds since the epoch) and wait until the
 * person says it is approved. OI_OK to poll, else the reason to stop (OI_DEVICE_CANCELLED). */
typedef enum oi_reason (*oi_device_ask_fn)(void *ctx, const struct oi_device_code *code, int64_t expires_at);

/* The whole grant for subj: the endpoints, a code (admitted by the host's limits like a token,
 * host_limits.h), ask, then polls until the server answers or min(expires_in, device_timeout)
 * from the code's issue has passed. OI_OK with *token (the caller wipes it with oi_free_secret),
 * else the reason, logged in one line. */
enum oi_reason oi_device_obtain_token(const struct oi_config *cfg, const struct oi_log *lg,
                                      const struct oi_subject *subj, oi_device_ask_fn ask, void *ctx, char **token);

#endif
