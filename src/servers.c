#include <config.h>

#include "servers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What follows "scheme://" up to the path: a host name or IPv4 address, or an IPv6 address in
 * brackets, and an optional port 1-65535. No "user:password@": the URL is logged. A host that
 * no resolver would take fails here, with the key named, instead of at every login. */
static bool url_authority_ok(const char *a)
{
    static const char host_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";
    size_t end = strcspn(a, "/?#"), h;
    if (a[0] == '[') {
        h = 1 + strspn(a + 1, "0123456789abcdefABCDEF:.");
        if (h == 1 || a[h] != ']')
            return false;
        h++;
    } else {
        h = strspn(a, host_chars);
        if (h == 0)
            return false;
    }
    if (h == end)
        return true;
    if (a[h] != ':')
        return false;
    size_t digits = strspn(a + h + 1, "0123456789");
    if (digits == 0 || digits > 5 || h + 1 + digits != end)
        return false;
    long port = strtol(a + h + 1, NULL, 10);
    return port >= 1 && port <= 65535;
}

enum oi_reason oi_servers_parse(const char *value, struct oi_strlist *list, char *why, size_t whylen)
{
    /* The same list parsing as every other list; then each item must be a URL. */
    struct oi_strlist l = {0};
    enum oi_reason rc = OI_OK;
    for (const char *p = value; *p && rc == OI_OK; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
            rc = OI_CONFIG;
    if (rc == OI_OK)
        rc = oi_strlist_split(&l, value, ',');
    if (rc == OI_NOMEM)
        return OI_NOMEM;
    for (size_t j = 0; rc == OI_OK && j < l.n; j++) {
        /* A host must follow the scheme: "https://" alone would become "https:/admin/...". */
        const char *host = oi_skip_prefix(l.items[j], "https://");
        if (host == NULL)
            host = oi_skip_prefix(l.items[j], "http://");
        if (oi_has_control(l.items[j]) || strchr(l.items[j], ' ') != NULL || host == NULL || !url_authority_ok(host) ||
            strlen(l.items[j]) > 2000)
            rc = OI_CONFIG;
    }
    if (rc == OI_OK && l.n > OI_MAX_SERVERS) {
        oi_strlist_free(&l);
        snprintf(why, whylen, "lists more than %d URLs", OI_MAX_SERVERS);
        return OI_CONFIG;
    }
    if (rc != OI_OK) {
        oi_strlist_free(&l);
        snprintf(why, whylen, "is not an http(s) URL (host[:port], no user:password@), or a comma list of them");
        return OI_CONFIG;
    }
    oi_strlist_free(list);
    *list = l;
    return OI_OK;
}

/* url without trailing slashes, plus suffix, into a new string (NULL when out of memory). */
static char *trimmed_url(const char *url, size_t n, const char *suffix)
{
    while (n > 0 && url[n - 1] == '/')
        n--;
    size_t total = n + strlen(suffix) + 1;
    char *out = malloc(total);
    if (out != NULL)
        snprintf(out, total, "%.*s%s", (int)n, url, suffix);
    return out;
}

static enum oi_reason list_append(struct oi_strlist *l, char *item)
{
    if (item == NULL)
        return OI_NOMEM;
    char **items = realloc(l->items, (l->n + 1) * sizeof(*items));
    if (items == NULL) {
        free(item);
        return OI_NOMEM;
    }
    l->items = items;
    l->items[l->n++] = item;
    return OI_OK;
}

enum oi_reason oi_servers_derive(enum oi_flavor flavor, const struct oi_strlist *admin, const struct oi_strlist *intro,
                                 struct oi_strlist *endpoints, struct oi_strlist *admin_bases,
                                 struct oi_config_error *err)
{
    const char *w = "settings"; /* a contradiction may span the file and the pam.d line */
    enum oi_reason rc = OI_OK;
    if (flavor == OI_FLAVOR_RFC7662) {
        if (admin->n > 0)
            return oi_config_fail(err, w, "admin_url", "is for the Hydra flavours; rfc7662 takes introspect_url");
        if (intro->n == 0)
            return oi_config_fail(err, w, "introspect_url", "is required with flavor=rfc7662");
    } else if (admin->n > 0 && intro->n > 0) {
        return oi_config_fail(err, w, "introspect_url", "contradicts admin_url: give one of them");
    } else if (admin->n == 0 && intro->n == 0) {
        return oi_config_fail(err, w, "admin_url", "is required (or introspect_url)");
    }
    const char *path = flavor == OI_FLAVOR_HYDRA ? "/admin/oauth2/introspect" : "/oauth2/introspect";
    for (size_t i = 0; rc == 0 && i < admin->n; i++) {
        rc = list_append(endpoints, trimmed_url(admin->items[i], strlen(admin->items[i]), path));
        if (rc == 0)
            rc = list_append(admin_bases, trimmed_url(admin->items[i], strlen(admin->items[i]), ""));
    }
    for (size_t i = 0; rc == 0 && i < intro->n; i++)
        rc = list_append(endpoints, strdup(intro->items[i]));
    static const char *suffixes[] = {"/admin/oauth2/introspect", "/oauth2/introspect"};
    bool all_known = flavor != OI_FLAVOR_RFC7662;
    for (size_t i = 0; rc == 0 && all_known && i < intro->n; i++) {
        const char *url = intro->items[i];
        size_t n = strlen(url), j = flavor == OI_FLAVOR_HYDRA ? 0 : 1;
        for (; j < 2; j++) {
            size_t sl = strlen(suffixes[j]);
            if (n > sl && strcmp(url + n - sl, suffixes[j]) == 0) {
                rc = list_append(admin_bases, strndup(url, n - sl));
                break;
            }
        }
        all_known = j < 2;
    }
    if (rc == 0 && !all_known)
        oi_strlist_free(admin_bases);
    return rc;
}

const char *oi_flavor_name(enum oi_flavor f)
{
    switch (f) {
    case OI_FLAVOR_HYDRA:
        return "hydra";
    case OI_FLAVOR_HYDRA_V1:
        return "hydra-v1";
    case OI_FLAVOR_RFC7662:
        return "rfc7662";
    }
    return "?";
}

const char *oi_servers_status_hint(enum oi_flavor flavor, long status)
{
    bool hydra = flavor == OI_FLAVOR_HYDRA, v1 = flavor == OI_FLAVOR_HYDRA_V1;
    if (status >= 300 && status < 400) {
        /* Hydra 2.0-2.3 redirect the pre-2.0 paths to /admin/...; the target is often wrong. */
        return v1      ? "redirects are not followed; Hydra 2 and later serve the admin API under /admin: "
                         "set flavor = hydra"
               : hydra ? "redirects are not followed; set admin_url to Hydra's admin port (without /admin)"
                       : "redirects are not followed; set introspect_url to the address the server names, "
                         "if you trust it";
    }
    if (status == 404 || status == 405)
        return hydra ? "no such endpoint: Hydra 1.x has no /admin prefix (set flavor = hydra-v1), or admin_url "
                       "is not Hydra's admin port"
               : v1  ? "no such endpoint: check that admin_url is Hydra's admin port (for Hydra 2 and later "
                       "set flavor = hydra)"
                     : "no such endpoint: check introspect_url";
    if (status == 401 || status == 403)
        return "the server refused the credentials: check auth, client_id and secret_file";
    if (status == 429)
        return "rate limited: the server asks for fewer requests";
    return "";
}
