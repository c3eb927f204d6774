/* pam_oi_floor: the floor for make bench. The least a PAM module can do to check a token at an
 * introspection endpoint: the same POST as pam_oauth2_introspect (a fresh libcurl handle, so a
 * fresh TLS handshake, the same server and trust store), the answer parsed with json-c, and
 * active plus sub == user checked. No configuration file, no policy, no logging. Not installed.
 *
 *   auth required pam_oi_floor.so url=https://.../admin/oauth2/introspect capath=DIR | cainfo=FILE */
#include <config.h>

#include <stddef.h>
#include <string.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

struct body {
    char buf[65536];
    size_t len;
};

static size_t collect(char *d, size_t s, size_t n, void *u)
{
    struct body *b = u;
    if (b->len + s * n >= sizeof(b->buf))
        return 0;
    memcpy(b->buf + b->len, d, s * n);
    b->len += s * n;
    return s * n;
}

int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    const char *url = NULL, *capath = NULL, *cainfo = NULL, *user = NULL, *tok = NULL;
    (void)flags;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "url=", 4) == 0)
            url = argv[i] + 4;
        else if (strncmp(argv[i], "capath=", 7) == 0)
            capath = argv[i] + 7;
        else if (strncmp(argv[i], "cainfo=", 7) == 0)
            cainfo = argv[i] + 7;
    }
    if (url == NULL || pam_get_user(pamh, &user, NULL) != PAM_SUCCESS ||
        pam_get_authtok(pamh, PAM_AUTHTOK, &tok, NULL) != PAM_SUCCESS)
        return PAM_AUTH_ERR;
    int rc = PAM_AUTHINFO_UNAVAIL;
    static struct body b;
    b.len = 0;
    CURL *c = curl_easy_init();
    char *enc = c ? curl_easy_escape(c, tok, 0) : NULL;
    char form[9000];
    if (enc == NULL)
        goto out;
    snprintf(form, sizeof(form), "token=%s&token_type_hint=access_token", enc);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    curl_easy_setopt(c, CURLOPT_CAINFO, cainfo); /* NULL: not the compiled-in bundle either */
    curl_easy_setopt(c, CURLOPT_CAPATH, capath);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    long status = 0;
    if (curl_easy_perform(c) != CURLE_OK || curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
        status != 200)
        goto out;
    b.buf[b.len] = '\0';
    json_object *root = json_tokener_parse(b.buf), *active, *sub;
    rc = root && json_object_object_get_ex(root, "active", &active) && json_object_get_boolean(active) &&
                 json_object_object_get_ex(root, "sub", &sub) && strcmp(json_object_get_string(sub), user) == 0
             ? PAM_SUCCESS
             : PAM_AUTH_ERR;
    json_object_put(root);
out:
    curl_free(enc);
    if (c)
        curl_easy_cleanup(c);
    return rc;
}

int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void)pamh, (void)flags, (void)argc, (void)argv;
    return PAM_SUCCESS;
}
