/* What a local user would put in OPENSSL_CONF's provider section: a library whose constructor
 * runs as soon as OpenSSL loads it, and leaves a mark (<its own path>.loaded) to prove it ran.
 * tests/pam/attacks.sh shows with the openssl command that the path works, then that neither the
 * tool nor the module (in setuid sudo, tests/e2e/sudo.sh) ever loads it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static void mark(void) __attribute__((constructor));

static void mark(void)
{
    Dl_info info;
    char path[4200];
    if (dladdr((void *)mark, &info) == 0 || info.dli_fname == NULL)
        return;
    snprintf(path, sizeof(path), "%s.loaded", info.dli_fname);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        dprintf(fd, "loaded by pid %ld, uid %ld\n", (long)getpid(), (long)getuid());
        close(fd);
    }
}
