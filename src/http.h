/* One HTTP request with TLS, timeouts, a size cap, no redirects and no proxy unless asked. */
#ifndef OI_HTTP_H
#define OI_HTTP_H

#include <stddef.h>
#include "cfg.h"

#define OI_HTTP_MAX_BODY (64 * 1024)

enum oi_http_result {
    OI_HTTP_OK,          /* an HTTP answer arrived (any status) and fit the cap */
    OI_HTTP_UNAVAILABLE, /* no answer: DNS, connect, TLS, timeout, reset */
    OI_HTTP_TOO_LARGE,   /* the answer exceeded OI_HTTP_MAX_BODY */
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
};

struct oi_http_request {
    const char *method;        /* "POST" or "DELETE" */
    const char *url;
    const char *form;          /* POST body, application/x-www-form-urlencoded; NULL for none */
    const char *authorization; /* full header value ("Basic ..."/"Bearer ..."), or NULL */
};

/* Perform req under cfg's TLS, timeout and proxy rules. On OI_HTTP_UNAVAILABLE err says why. */
enum oi_http_result oi_http_perform(const struct oi_config *cfg, const struct oi_http_request *req,
                                    struct oi_http_response *resp, char *err, size_t errlen);
void oi_http_response_free(struct oi_http_response *resp);

/* Form-urlencode (RFC 6749 appendix B): unreserved kept, space as '+', rest %XX. Caller wipes. */
char *oi_form_encode(const char *s);

#endif
