/* What the test programs that drive the module through PAM (test_module, test_revoke,
 * test_faults, test_cache, test_device) share: the Hydra stand-in's control API, and small file and
 * environment helpers. A stand-in is named by the prefix of the variables its script exports
 * (OI_V2: OI_V2_ADMIN and OI_V2_CONTROL, the ports). A failure ends the test: cmocka's fail_msg
 * inside a test, exit 99 (a hard error for automake) for a missing variable or file. */
#ifndef OI_TESTS_STANDIN_CLIENT_H
#define OI_TESTS_STANDIN_CLIENT_H

#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>

/* The host's limits (request budget, damping, known junk: src/host_limits.h) off, in the
 * configuration of a test that is not about them: it sends many refused tokens from one source within seconds.
 * tests/pam/flood.sh tests them. */
#define TC_NO_LIMITS "budget_per_minute = 0\ndamp_after = 0\njunk_ttl = 0\n"
#define TC_NO_LIMITS_ARGS "budget_per_minute=0 damp_after=0 junk_ttl=0"

/* A growing buffer, and the libcurl write callback that appends to it. */
struct tc_buf {
    char *p;
    size_t n;
};
size_t tc_collect(char *data, size_t size, size_t n, void *buf);

const char *tc_env(const char *name); /* its value; exit 99 when unset */
long tc_env_long(const char *name);
char *tc_xstrdup(const char *s);
void tc_write_file(const char *path, const char *text, mode_t mode);
char *tc_read_all(const char *path); /* NULL when it cannot be opened */
/* in with each name of names[0..n) ("@RUN@") replaced by its value; a NULL value leaves the
 * name as it is. Owned. */
char *tc_expand(const char *in, const char *(*names)[2], size_t n);
/* "PAM_AUTH_ERR" for PAM_AUTH_ERR: the codes a login case expects, by name; "other" else. */
const char *tc_pam_code_name(int rc);

char *standin_admin_url(const char *prefix); /* https://127.0.0.1:PORT */
/* METHOD PATH on the control port with an optional JSON body; the parsed answer (fails on
 * anything but HTTP 200). */
json_object *standin_control(const char *prefix, const char *method, const char *path, const char *json);
char *standin_mint(const char *prefix, const char *spec); /* POST /tokens: the token */

#endif
