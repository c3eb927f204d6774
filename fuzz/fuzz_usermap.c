/* Harness: the user map parser (oi_usermap_parse), then matching against a few queries. */
#include <config.h>

#include "fuzz.h"
#include "usermap.h"

#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

static const struct oi_map_query queries[] = {
    {"alice@example.com", "root", "sshd", "ssh-cli", "openid root:login"},
    {"deploy", "deploy", "sshd", "deploy", "deploy:run"},
    {"team-a-bob", "svc-app", "sudo", NULL, NULL},
    {"*", "*", "", "", ""},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct oi_usermap map;
    struct oi_config_error err;
    int rc = oi_usermap_parse(&map, "/etc/security/fuzz.map", (const char *)data, size, &err);
    FUZZ_ASSERT(rc == OI_OK || rc == OI_CONFIG || rc == OI_NOMEM);
    if (rc != 0) {
        FUZZ_ASSERT(map.n == 0 && map.lines == NULL);
        if (rc == OI_CONFIG)
            FUZZ_ASSERT(memchr(err.where, '\0', sizeof(err.where)) && memchr(err.what, '\0', sizeof(err.what)));
        return 0;
    }
    for (size_t i = 0; i < map.n; i++) {
        const struct oi_map_line *l = &map.lines[i];
        FUZZ_ASSERT(l->subject != NULL && l->subject[0] != '\0' && l->account != NULL && l->account[0] != '\0');
        /* Only a line without any glob may grant a system account. */
        if (l->literal)
            FUZZ_ASSERT(strpbrk(l->subject, "*?[") == NULL && strpbrk(l->account, "*?[") == NULL);
        FUZZ_ASSERT(strpbrk(l->account, " \t\r\n=") == NULL);
    }
    for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
        for (int literal_only = 0; literal_only < 2; literal_only++) {
            const struct oi_map_line *line = NULL;
            enum oi_reason r = oi_usermap_match(&map, &queries[q], literal_only, &line);
            FUZZ_ASSERT(r == OI_OK || r == OI_SCOPE || r == OI_USER_MISMATCH);
            FUZZ_ASSERT((r == OI_OK) == (line != NULL));
            if (line != NULL && literal_only) {
                FUZZ_ASSERT(line->literal);
                FUZZ_ASSERT(strcmp(line->subject, queries[q].subject) == 0 &&
                            strcmp(line->account, queries[q].account) == 0);
            }
        }
    }
    oi_usermap_free(&map);
    return 0;
}
