/* What of a token and an API key is left in a process's memory after a login and pam_end.
 *
 * test_memscan SERVICE USER TOKEN_FILE KEY_FILE [--curl-first] [--no-scan]
 *
 * One login through the real module (pam_wrapper, by tests/pam/attacks.sh) with the token read from
 * TOKEN_FILE; the module sends the API key of KEY_FILE as a Bearer header. After pam_end this
 * program wipes its own copies and reads every writable private mapping of its own memory
 * (heap, anonymous mappings, stacks, libraries' data) for the two secrets, comparing against
 * XOR-masked copies so that the search itself leaves no plain copy. It prints the counts and
 * exits 0 when none is left, 1 when one is, 2 when the login did not succeed. With --curl-first
 * the program initialises libcurl itself before the login, as a host that uses libcurl would:
 * then libcurl keeps its own allocator, and the counts measure what that leaves (exit 0). With
 * --no-scan (under a sanitizer or valgrind, whose own mappings are huge or hold copies of their
 * own) only the login is made. */
#include <config.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>
#include <security/pam_appl.h>

#define MASK 0xa5

struct secret {
    unsigned char masked[4096];
    size_t len;
};

/* The first line of path, masked; the plain bytes are wiped at once. */
static bool read_masked(const char *path, struct secret *s)
{
    char buf[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return false;
    size_t len = strcspn(buf, "\r\n");
    if (len > (size_t)n)
        len = (size_t)n;
    for (size_t i = 0; i < len; i++)
        s->masked[i] = (unsigned char)buf[i] ^ MASK;
    s->len = len;
    explicit_bzero(buf, sizeof(buf));
    return len >= 16;
}

/* The token in the clear, for the conversation only (malloc'd). */
static char *unmask(const struct secret *s)
{
    char *p = malloc(s->len + 1);
    if (p == NULL)
        return NULL;
    for (size_t i = 0; i < s->len; i++)
        p[i] = (char)(s->masked[i] ^ MASK);
    p[s->len] = '\0';
    return p;
}

/* Every echo-off prompt gets the token; the module frees (and wipes) the answer. */
static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
    struct pam_response *r = calloc((size_t)n, sizeof(*r));
    if (r == NULL)
        return PAM_BUF_ERR;
    for (int i = 0; i < n; i++)
        if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF && (r[i].resp = strdup(data)) == NULL) {
            free(r);
            return PAM_BUF_ERR;
        }
    *resp = r;
    return PAM_SUCCESS;
}

/* Copies of s in [p, p + n): compared through the mask, byte by byte. */
static size_t count_in(const unsigned char *p, size_t n, const struct secret *s)
{
    size_t found = 0;
    unsigned char first = s->masked[0] ^ MASK;
    for (size_t i = 0; i + s->len <= n; i++) {
        if (p[i] != first)
            continue;
        size_t j = 1;
        while (j < s->len && (p[i + j] ^ MASK) == s->masked[j])
            j++;
        found += j == s->len;
    }
    return found;
}

int main(int argc, char **argv)
{
    static struct secret token, key; /* static: not on the stack that is scanned as it changes */
    if (argc < 5 || !read_masked(argv[3], &token) || !read_masked(argv[4], &key)) {
        fprintf(stderr, "usage: test_memscan SERVICE USER TOKEN_FILE KEY_FILE [--curl-first] [--no-scan]\n");
        return 2;
    }
    bool curl_first = false, scan = true;
    for (int i = 5; i < argc; i++) {
        curl_first |= strcmp(argv[i], "--curl-first") == 0;
        scan &= strcmp(argv[i], "--no-scan") != 0;
    }
    if (curl_first)
        curl_global_init(CURL_GLOBAL_DEFAULT);
    char *plain = unmask(&token);
    struct pam_conv c = {conv, plain};
    pam_handle_t *ph = NULL;
    int rc = pam_start(argv[1], argv[2], &c, &ph);
    if (rc == PAM_SUCCESS)
        rc = pam_authenticate(ph, 0);
    pam_end(ph, rc);
    explicit_bzero(plain, token.len);
    free(plain);
    if (rc != PAM_SUCCESS) {
        fprintf(stderr, "the login failed: %s\n", pam_strerror(NULL, rc));
        return 2;
    }
    if (!scan) {
        printf("after pam_end: not scanned (--no-scan)\n");
        if (curl_first)
            curl_global_cleanup();
        return 0;
    }

    FILE *maps = fopen("/proc/self/maps", "r");
    if (maps == NULL)
        return 2;
    char line[4096];
    size_t regions = 0, bytes = 0, n_token = 0, n_key = 0;
    while (fgets(line, sizeof(line), maps) != NULL) {
        uintptr_t lo, hi;
        char perms[8];
        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' || perms[1] != 'w' ||
            perms[3] != 'p' || strstr(line, "[vvar]") != NULL)
            continue;
        const unsigned char *p = (const unsigned char *)lo;
        n_token += count_in(p, hi - lo, &token);
        n_key += count_in(p, hi - lo, &key);
        regions++;
        bytes += hi - lo;
    }
    fclose(maps);
    printf("after pam_end%s: %zu cop%s of the token, %zu of the API key in %zu writable regions "
           "(%zu KiB)\n",
           curl_first ? " (libcurl initialised by the host first)" : "", n_token, n_token == 1 ? "y" : "ies", n_key,
           regions, bytes / 1024);
    if (curl_first)
        curl_global_cleanup();
    return curl_first || (n_token == 0 && n_key == 0) ? 0 : 1;
}
