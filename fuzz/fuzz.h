/* Shared by the libFuzzer harnesses (fuzz_*.c) and the replay driver (replay.c), which runs every
 * corpus file through the same harness code without libFuzzer in a normal `make check`. */
#ifndef OI_FUZZ_H
#define OI_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failed invariant is a finding: abort so that libFuzzer (and the replay test) report it. */
#define FUZZ_ASSERT(cond)                         \
    do {                                          \
        if (!(cond))                              \
            fuzz_fail(__FILE__, __LINE__, #cond); \
    } while (0)
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* A private file for conf-file bodies: created 0600 in a fresh directory, removed at exit.
 * fuzz_file_write() replaces its contents. */
const char *fuzz_file_path(void);
void fuzz_file_write(const void *data, size_t size);

/* Load a configuration from a conf-file body plus pam.d arguments; exits on failure (the fixed
 * configurations of the harnesses must load). */
void fuzz_config_fixed(struct oi_config *cfg, const char *conf_text, int argc, const char **argv);

#endif
