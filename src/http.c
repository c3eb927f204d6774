#include <config.h>

#include "http.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <openssl/ssl.h>

struct sink {
    char *buf;
    size_t len;
    bool too_large;
};

/* Stop the transfer as soon as the cap is passed: MAXFILESIZE alone misses chunked bodies. */
static size_t collect(char *data, size_t size, size_t nmemb, void *userp)
{
    struct sink *s = userp;
    size_t n = size * nmemb;
    if (s->len + n > OI_HTTP_MAX_BODY) {
        s->too_large = true;
        return 0;
    }
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    return n;
}

char *oi_form_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = malloc(3 * n + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out[o++] = (char)c;
        } else if (c == ' ') {
            out[o++] = '+';
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return out;
}

/* libcurl does not clear what it frees (libcurl-security.md): its request buffer holds the form
 * with the token and the Authorization header. Memory it allocates while this module's global
 * init holds is wiped on free. (When another part of the process initialised libcurl first, its
 * allocator stays; pam_oauth2_introspect(8) says so.) */
static void wiping_free(void *p)
{
    if (p != NULL) {
        oi_wipe(p, malloc_usable_size(p));
        free(p);
    }
}

static void *wiping_realloc(void *p, size_t n)
{
    if (p == NULL)
        return malloc(n);
    size_t old = malloc_usable_size(p);
    if (n <= old)
        return p;
    void *q = malloc(n);
    if (q != NULL) {
        memcpy(q, p, old);
        wiping_free(p);
    }
    return q;
}

/* libcurl reads SSLKEYLOGFILE with getenv() once, at its global init, and then appends the TLS
 * secrets of every connection to that file, following symbolic links. In sudo or su that is the
 * calling user's environment, and the writer is root. A module cannot clear its host's
 * environment, so the variable is hidden from libcurl for the moment of its global init only
 * (the host must not call setenv from another thread meanwhile). */
static CURLcode global_init(void)
{
    extern char **environ;
    static const char keylog[] = "SSLKEYLOGFILE=";
    char **saved = environ, **clean = NULL;
    size_t n = 0, hidden = 0;
    for (; saved != NULL && saved[n] != NULL; n++)
        hidden += strncmp(saved[n], keylog, sizeof(keylog) - 1) == 0;
    if (hidden > 0) {
        clean = malloc((n + 1) * sizeof(*clean));
        if (clean == NULL)
            return CURLE_OUT_OF_MEMORY;
        size_t o = 0;
        for (size_t i = 0; i < n; i++)
            if (strncmp(saved[i], keylog, sizeof(keylog) - 1) != 0)
                clean[o++] = saved[i];
        clean[o] = NULL;
        environ = clean;
    }
    CURLcode rc = curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, wiping_free, wiping_realloc, strdup, calloc);
    if (hidden > 0) {
        environ = saved;
        free(clean);
    }
    return rc;
}

/* Had libcurl been initialised with SSLKEYLOGFILE set by someone else in this process, its key
 * logging callback is on every new TLS context: take it off ours. */
static CURLcode no_keylog(CURL *curl, void *ssl_ctx, void *arg)
{
    (void)curl, (void)arg;
    SSL_CTX_set_keylog_callback(ssl_ctx, NULL);
    return CURLE_OK;
}

static void copy_header(CURL *curl, const char *name, char *dst, size_t dstlen)
{
    struct curl_header *h = NULL;
    if (curl_easy_header(curl, name, 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h->value)
        snprintf(dst, dstlen, "%s", h->value);
}

/* Each setopt is checked: an option that silently failed could weaken TLS. */
#define SETOPT(opt, val)                                                               \
    do {                                                                               \
        CURLcode c_ = curl_easy_setopt(curl, opt, val);                                \
        if (c_ != CURLE_OK) {                                                          \
            snprintf(err, errlen, "curl option %s: %s", #opt, curl_easy_strerror(c_)); \
            goto out;                                                                  \
        }                                                                              \
    } while (0)

void oi_transport_init(struct oi_transport *t, const struct oi_config *cfg)
{
    *t =
        (struct oi_transport){cfg->ca_file, cfg->ca_dir,     cfg->pinned_pubkey,      cfg->client_cert, cfg->client_key,
                              cfg->proxy,   cfg->allow_http, cfg->connect_timeout_ms, cfg->timeout_ms};
}

void oi_transport_cap(struct oi_transport *t, long timeout_ms)
{
    if (timeout_ms < t->timeout_ms)
        t->timeout_ms = timeout_ms;
    if (t->connect_timeout_ms > t->timeout_ms)
        t->connect_timeout_ms = t->timeout_ms;
}

/* Verification, not transport: the certificate chain, the host name, the pin, a CA or client
 * certificate file. */
static bool untrusted(CURLcode cc)
{
    switch (cc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return true;
    default:
        return false;
    }
}

/* Where a request that got no answer failed, from libcurl's code and how far it got. */
static enum oi_http_stage failed_stage(CURLcode cc, const struct oi_http_response *r, bool https)
{
    if (untrusted(cc))
        return OI_STAGE_TLS;
    switch (cc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return OI_STAGE_DNS;
    case CURLE_COULDNT_CONNECT:
        return OI_STAGE_CONNECT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
        return OI_STAGE_TLS;
    default:
        /* A timeout or reset: the step it interrupted. */
        if (r->connect_seconds <= 0)
            return OI_STAGE_CONNECT;
        if (https && r->tls_seconds <= 0)
            return OI_STAGE_TLS;
        return OI_STAGE_REQUEST;
    }
}

void oi_transport_untrusted(const struct oi_transport *t, const char *err, char *dst, size_t len)
{
    snprintf(dst, len,
             "TLS verification failed: %s; trust in use: %s %s%s%s%s%s: if the server's certificate changed, "
             "change that option to match; if not, this is not the server you configured",
             err, t->ca_file ? "ca_file" : "ca_dir", t->ca_file ? t->ca_file : t->ca_dir,
             t->pinned_pubkey ? ", pinned_pubkey " : "", t->pinned_pubkey ? t->pinned_pubkey : "",
             t->client_cert ? ", our certificate client_cert " : "", t->client_cert ? t->client_cert : "");
}

void oi_http_host_port(const char *url, char *dst, size_t len)
{
    CURLU *h = curl_url();
    char *host = NULL, *port = NULL;
    if (h && curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
        snprintf(dst, len, "%s:%s", host, port);
    else
        snprintf(dst, len, "%s", url);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(h);
}

enum oi_http_result oi_http_perform(const struct oi_transport *t, const struct oi_http_request *req,
                                    struct oi_http_response *resp, char *err, size_t errlen)
{
    enum oi_http_result result = OI_HTTP_UNAVAILABLE;
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = NULL;
    char *auth_header = NULL;
    struct sink sink = {0};
    CURL *curl = NULL;

    memset(resp, 0, sizeof(*resp));
    snprintf(err, errlen, "request not sent");
    if (global_init() != CURLE_OK) {
        snprintf(err, errlen, "curl_global_init failed");
        return OI_HTTP_UNAVAILABLE;
    }
    sink.buf = malloc(OI_HTTP_MAX_BODY + 1);
    curl = curl_easy_init();
    if (sink.buf == NULL || curl == NULL) {
        result = OI_HTTP_NOMEM;
        goto out;
    }
    SETOPT(CURLOPT_URL, req->url);
    SETOPT(CURLOPT_PROTOCOLS_STR, t->allow_http ? "https,http" : "https");
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, t->connect_timeout_ms);
    SETOPT(CURLOPT_TIMEOUT_MS, t->timeout_ms);
    SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)OI_HTTP_MAX_BODY);
    SETOPT(CURLOPT_ERRORBUFFER, errbuf);
    SETOPT(CURLOPT_WRITEFUNCTION, collect);
    SETOPT(CURLOPT_WRITEDATA, &sink);
    /* "" disables proxies from the environment; only an explicit proxy= is used. And no host
     * bypasses it, so that no_proxy is not read from the environment either. */
    SETOPT(CURLOPT_PROXY, t->proxy ? t->proxy : "");
    SETOPT(CURLOPT_NOPROXY, "");
    SETOPT(CURLOPT_SSL_CTX_FUNCTION, no_keylog);
    SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    /* Never the compiled-in bundle file: a hashed directory verifies as strictly without parsing
     * every certificate in every login process. */
    SETOPT(CURLOPT_CAINFO, t->ca_file);
    SETOPT(CURLOPT_CAPATH, t->ca_dir);
    if (t->pinned_pubkey)
        SETOPT(CURLOPT_PINNEDPUBLICKEY, t->pinned_pubkey);
    if (t->client_cert)
        SETOPT(CURLOPT_SSLCERT, t->client_cert);
    if (t->client_key)
        SETOPT(CURLOPT_SSLKEY, t->client_key);
    SETOPT(CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
    if (strcmp(req->method, "POST") == 0) {
        SETOPT(CURLOPT_POST, 1L);
        SETOPT(CURLOPT_POSTFIELDS, req->form ? req->form : "");
    } else if (strcmp(req->method, "GET") == 0) {
        SETOPT(CURLOPT_HTTPGET, 1L);
    } else {
        SETOPT(CURLOPT_CUSTOMREQUEST, req->method);
    }
    headers = curl_slist_append(headers, "Accept: application/json");
    if (headers == NULL) {
        result = OI_HTTP_NOMEM;
        goto out;
    }
    if (req->authorization) {
        size_t n = strlen("Authorization: ") + strlen(req->authorization) + 1;
        auth_header = malloc(n);
        if (auth_header == NULL) {
            result = OI_HTTP_NOMEM;
            goto out;
        }
        snprintf(auth_header, n, "Authorization: %s", req->authorization);
        struct curl_slist *more = curl_slist_append(headers, auth_header);
        if (more == NULL) {
            result = OI_HTTP_NOMEM;
            goto out;
        }
        headers = more;
    }
    SETOPT(CURLOPT_HTTPHEADER, headers);

    CURLcode cc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &resp->total_seconds);
    curl_easy_getinfo(curl, CURLINFO_NAMELOOKUP_TIME, &resp->dns_seconds);
    curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME, &resp->connect_seconds);
    curl_easy_getinfo(curl, CURLINFO_APPCONNECT_TIME, &resp->tls_seconds);
    if (sink.too_large || cc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(err, errlen, "answer larger than %d bytes", OI_HTTP_MAX_BODY);
        resp->failed_stage = OI_STAGE_ANSWER;
        result = OI_HTTP_TOO_LARGE;
        goto out;
    }
    if (cc != CURLE_OK) {
        snprintf(err, errlen, "%s%s%s", curl_easy_strerror(cc), errbuf[0] ? ": " : "", errbuf);
        resp->failed_stage = failed_stage(cc, resp, oi_skip_prefix(req->url, "https://") != NULL);
        resp->untrusted = untrusted(cc);
        result = OI_HTTP_UNAVAILABLE;
        goto out;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
    const char *ct = NULL;
    if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
        snprintf(resp->content_type, sizeof(resp->content_type), "%s", ct);
    copy_header(curl, "x-ratelimit-reset", resp->ratelimit_reset, sizeof(resp->ratelimit_reset));
    copy_header(curl, "location", resp->location, sizeof(resp->location));
    sink.buf[sink.len] = '\0';
    if (req->secrets != NULL && (oi_holds_secret(sink.buf, sink.len, req->secrets) ||
                                 oi_holds_secret(resp->content_type, strlen(resp->content_type), req->secrets) ||
                                 oi_holds_secret(resp->location, strlen(resp->location), req->secrets) ||
                                 oi_holds_secret(resp->ratelimit_reset, strlen(resp->ratelimit_reset), req->secrets))) {
        resp->content_type[0] = resp->location[0] = resp->ratelimit_reset[0] = '\0';
        snprintf(err, errlen,
                 "the answer (HTTP %ld) repeats a secret of the request (the token, an API key or a client "
                 "secret): it is not used, shown or stored",
                 resp->status);
        resp->failed_stage = OI_STAGE_ANSWER;
        result = OI_HTTP_ECHO;
        goto out;
    }
    resp->body = sink.buf;
    resp->len = sink.len;
    sink.buf = NULL;
    err[0] = '\0';
    result = OI_HTTP_OK;
out:
    if (curl)
        curl_easy_cleanup(curl);
    for (struct curl_slist *h = headers; h != NULL; h = h->next)
        oi_wipe(h->data, strlen(h->data)); /* the list holds a copy of the Authorization line */
    curl_slist_free_all(headers);
    oi_free_secret(&auth_header);
    if (sink.buf) {
        oi_wipe(sink.buf, sink.len);
        free(sink.buf);
    }
    curl_global_cleanup();
    return result;
}

bool oi_http_secrets_init(struct oi_http_secrets *s, const char *token, const char *secret, const char *authorization)
{
    const char *raw[2] = {token, secret};
    size_t n = 0;
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < 2; i++) {
        if (raw[i] == NULL)
            continue;
        if ((s->encoded[i] = oi_form_encode(raw[i])) == NULL) {
            oi_http_secrets_free(s);
            return false;
        }
        s->list[n++] = raw[i];
        s->list[n++] = s->encoded[i];
    }
    if (authorization != NULL)
        s->list[n++] = authorization;
    s->list[n] = NULL;
    return true;
}

void oi_http_secrets_free(struct oi_http_secrets *s)
{
    for (size_t i = 0; i < 2; i++)
        oi_free_secret(&s->encoded[i]);
    memset(s->list, 0, sizeof(s->list));
}

void oi_http_response_free(struct oi_http_response *resp)
{
    if (resp->body) {
        oi_wipe(resp->body, resp->len);
        free(resp->body);
    }
    resp->body = NULL;
    resp->len = 0;
}
