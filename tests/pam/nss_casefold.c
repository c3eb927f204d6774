/* A user database that folds case, as SSSD's Active Directory provider does by default: asked
 * for any spelling of "alice", it answers with the account alice (uid 1234, as in the test's
 * passwd file). Loaded by nss_wrapper after its passwd file (NSS_WRAPPER_MODULE_SO_PATH,
 * NSS_WRAPPER_MODULE_FN_PREFIX=casefold) for the module's account_name case. */
#include <config.h>

#include <errno.h>
#include <nss.h>
#include <pwd.h>
#include <string.h>
#include <strings.h>

enum nss_status _nss_casefold_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len, int *errnop);

enum nss_status _nss_casefold_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len, int *errnop)
{
    static const char fields[] = "alice\0x\0Alice\0/home/alice\0/bin/sh";
    if (name == NULL || strcasecmp(name, "alice") != 0) {
        *errnop = ENOENT;
        return NSS_STATUS_NOTFOUND;
    }
    if (len < sizeof(fields)) {
        *errnop = ERANGE;
        return NSS_STATUS_TRYAGAIN;
    }
    memcpy(buf, fields, sizeof(fields));
    pw->pw_name = buf;
    pw->pw_passwd = buf + 6;
    pw->pw_gecos = buf + 8;
    pw->pw_dir = buf + 14;
    pw->pw_shell = buf + 26;
    pw->pw_uid = 1234;
    pw->pw_gid = 1234;
    return NSS_STATUS_SUCCESS;
}
