/* Harness: the PAM environment as a user may write it (pam_env user_readenv=1), read back the way
 * close_session reads it (oi_export_read). Whatever the input, a read that verifies gives exactly
 * the facts the module exported; and the value encoding decodes only what it encodes itself. */
#include <config.h>

#include "export.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#define SUB "uid=carol,ou=people \xc3\xbc%"
#define CLIENT "ssh-cli"
#define SID "sess 42"

static const struct oi_hostkey key = {{7, 1, 7}};
static struct oi_export exported;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const struct oi_export_facts f = {
        "alice", "sshd", SUB, CLIENT, "openid ssh:login", SID, INT64_C(1767225600), "0123abcd", INT64_C(1767225000)};
    if (oi_export_build(&key, &f, &exported) != 0)
        abort();
    return 0;
}

/* The exported variables, then each input line: NAME=VALUE sets, a bare NAME unsets. */
struct env {
    const char *lines[64];
    size_t n;
};

static const char *get(void *arg, const char *name)
{
    const struct env *e = arg;
    size_t len = strlen(name);
    const char *value = NULL;
    for (size_t i = 0; i < e->n; i++)
        if (strncmp(e->lines[i], name, len) == 0 && (e->lines[i][len] == '=' || e->lines[i][len] == '\0'))
            value = e->lines[i][len] == '=' ? e->lines[i] + len + 1 : NULL;
    return value;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    /* One encoding per value: what decodes, encodes back to the very same text. */
    char *decoded = NULL;
    int rc = oi_export_decode(text, &decoded);
    FUZZ_ASSERT(rc == 0 || rc == -1 || rc == -2);
    if (rc == 0) {
        char *again = oi_export_encode(decoded);
        FUZZ_ASSERT(again != NULL && strcmp(again, text) == 0);
        free(again);
    }
    free(decoded);

    struct env e = {{0}, 0};
    for (size_t i = 0; exported.vars[i] != NULL; i++)
        e.lines[e.n++] = exported.vars[i];
    for (char *line = text, *next; line != NULL && e.n < 64; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (*line != '\0')
            e.lines[e.n++] = line;
    }
    struct oi_exported x;
    char why[200];
    rc = oi_export_read(&key, "alice", "sshd", get, &e, &x, why, sizeof(why));
    FUZZ_ASSERT(rc == 0 || rc == 1 || rc == -1 || rc == -2);
    if (rc == 0)
        FUZZ_ASSERT(x.sub != NULL && strcmp(x.sub, SUB) == 0 && x.client_id != NULL &&
                    strcmp(x.client_id, CLIENT) == 0 && x.sid != NULL && strcmp(x.sid, SID) == 0);
    oi_exported_free(&x);
    free(text);
    return 0;
}
