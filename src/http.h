/* One HTTP request with TLS, timeouts, a size cap, no redirects and no proxy unless asked; no
 * TLS key logging, whatever the environment; libcurl's memory wiped when freed; and an answer
 * that repeats a secret of the request is never handed on. */
#ifndef OI_HTTP_H
#define OI_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include "cfg.h"

#define OI_HTTP_MAX_BODY (64 * 1024)

/* How a server is reached: TLS trust, client certificate, proxy and timeouts, borrowed from the
 * configuration by oi_transport_init; a caller narrows the timeouts on its own copy. */
struct oi_transport {
    const char *ca_file, *ca_dir, *pinned_pubkey, *client_cert, *client_key, *proxy;
    bool allow_http;
    long connect_timeout_ms, timeout_ms;
};
void oi_transport_init(struct oi_transport *t, const struct oi_config *cfg);
/* At most timeout_ms in all (when shorter than now), and no longer than that to connect. */
void oi_transport_cap(struct oi_transport *t, long timeout_ms);

/* The step a request failed at: no name, no connection, no TLS session, no answer to the
 * request, or an answer that cannot be used (too large, or repeating a secret). */
enum oi_http_stage { OI_STAGE_NONE, OI_STAGE_DNS, OI_STAGE_CONNECT, OI_STAGE_TLS, OI_STAGE_REQUEST, OI_STAGE_ANSWER };

enum oi_http_result {
    OI_HTTP_OK,          /* an HTTP answer arrived (any status) and fit the cap */
    OI_HTTP_UNAVAILABLE, /* no answer: DNS, connect, TLS, timeout, reset */
    OI_HTTP_TOO_LARGE,   /* the answer exceeded OI_HTTP_MAX_BODY */
    OI_HTTP_ECHO,        /* the answer repeats a secret of the request: only its status is kept */
    OI_HTTP_NOMEM,
};

struct oi_http_response {
    long status;
    char *body; /* NUL-terminated; may hold secrets: oi_http_response_free wipes it */
    size_t len;
    char content_type[128];
    char ratelimit_reset[32];
    char location[256];
    double total_seconds;
    /* From the start of the request, also when no answer arrived (0: the step was not reached):
     * name resolved, TCP connected, TLS handshake done. For the tool's ping. */
    double dns_seconds, connect_seconds, tls_seconds;
    enum oi_http_stage failed_stage; /* OI_STAGE_NONE on OI_HTTP_OK */
    /* The server was reached, but not trusted: its certificate (CA, host name, pin), or ours,
     * failed verification. A matter of configuration or of an impostor, never of load: no
     * circuit breaker counts it. */
    bool untrusted;
};

struct oi_http_request {
    const char *method; /* "POST", "GET" or "DELETE" */
    const char *url;
    const char *form;          /* POST body, application/x-www-form-urlencoded; NULL for none */
    const char *authorization; /* full header value ("Basic ..."/"Bearer ..."), or NULL */
    /* Every form of every secret the request carries (the token, the API key or client secret
     * as read, as form-encoded, the Authorization value), NULL-terminated; NULL for none. An
     * answer holding one of them, or a piece of one, in its body or in a header that is read
     * is OI_HTTP_ECHO. */
    const char *const *secrets;
};

/* What a request carries that the server must never send back, in every form it is sent in:
 * as read, form-encoded, and inside the Authorization value. For oi_http_request.secrets. */
struct oi_http_secrets {
    const char *list[6];
    char *encoded[2];
};
/* token, secret and authorization may be NULL. false when out of memory. */
bool oi_http_secrets_init(struct oi_http_secrets *s, const char *token, const char *secret, const char *authorization);
void oi_http_secrets_free(struct oi_http_secrets *s);

/* Perform req as t says. On anything but OI_HTTP_OK err says why (never a secret) and
 * resp->failed_stage where. */
enum oi_http_result oi_http_perform(const struct oi_transport *t, const struct oi_http_request *req,
                                    struct oi_http_response *resp, char *err, size_t errlen);

/* For a response marked untrusted: libcurl's err, the trust in use (ca_file or ca_dir, the pin,
 * our client certificate) and what to change, in one sentence for the log and ping. */
void oi_transport_untrusted(const struct oi_transport *t, const char *err, char *dst, size_t len);

/* "host:port" of url, the scheme's port when none is given (the URL itself when it cannot be
 * parsed), for messages. */
void oi_http_host_port(const char *url, char *dst, size_t len);
void oi_http_response_free(struct oi_http_response *resp);

/* Form-urlencode (RFC 6749 appendix B): unreserved kept, space as '+', rest %XX. Caller wipes. */
char *oi_form_encode(const char *s);

#endif
