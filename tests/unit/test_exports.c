/* The installed module exports the PAM entry points and nothing of its core. */
#include <config.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    const char *path = getenv("OI_MODULE");
    static const char *wanted[] = {"pam_sm_authenticate", "pam_sm_setcred", "pam_sm_acct_mgmt", "pam_sm_open_session",
                                   "pam_sm_close_session"};
    /* chauthtok is absent on purpose: libpam then reports the module as not offering password. */
    static const char *hidden[] = {"pam_sm_chauthtok", "oi_config_load",  "oi_login_decide",
                                   "oi_precheck",      "oi_http_perform", "oi_parse_answer"};
    int failures = 0;

    if (path == NULL) {
        fprintf(stderr, "OI_MODULE is not set\n");
        return 99;
    }
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        return 1;
    }
    for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
        if (dlsym(h, wanted[i]) == NULL) {
            printf("FAIL: %s is not exported\n", wanted[i]);
            failures++;
        }
    for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
        if (dlsym(h, hidden[i]) != NULL) {
            printf("FAIL: %s is exported\n", hidden[i]);
            failures++;
        }
    dlclose(h);
    size_t total = sizeof(wanted) / sizeof(wanted[0]) + sizeof(hidden) / sizeof(hidden[0]);
    printf("%zu passed, %d failed\n", total - (size_t)failures, failures);
    return failures ? 1 : 0;
}
