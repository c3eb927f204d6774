/* Replay driver: runs files (or every file of directories) through a harness's
 * LLVMFuzzerTestOneInput without libFuzzer, so the seed corpus and every crash reproducer is a
 * regression test of a normal `make check` (gcc, sanitizers or valgrind alike).
 *
 *   fuzz/replay_NAME [FILE|DIR]...
 * Without arguments it replays $top_srcdir/fuzz/corpus/NAME, NAME taken from its own file name. */
#include <config.h>

#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (buf == NULL) {
            fclose(f);
            return -1;
        }
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        unsigned char *bigger = realloc(buf, cap * 2);
        if (bigger == NULL)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: %s: read error\n", path);
        free(buf);
        return -1;
    }
    /* An exact-size copy, so that ASan catches a read one past the input as libFuzzer would. */
    unsigned char *exact = malloc(len ? len : 1);
    if (exact == NULL) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the number of inputs replayed, or -1. */
static long replay_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(path) == 0 ? 1 : -1;
    struct dirent **names = NULL;
    int n = scandir(path, &names, NULL, NULL);
    if (n < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char **files = calloc((size_t)n + 1, sizeof(*files));
    size_t nf = 0;
    long count = 0;
    for (int i = 0; i < n; i++) {
        if (files != NULL && names[i]->d_name[0] != '.') {
            size_t sz = strlen(path) + strlen(names[i]->d_name) + 2;
            files[nf] = malloc(sz);
            if (files[nf] != NULL)
                snprintf(files[nf++], sz, "%s/%s", path, names[i]->d_name);
        }
        free(names[i]);
    }
    free(names);
    if (files == NULL)
        return -1;
    qsort(files, nf, sizeof(*files), cmp);
    for (size_t i = 0; i < nf; i++) {
        if (count >= 0) {
            long c = replay_path(files[i]);
            count = c < 0 ? -1 : count + c;
        }
        free(files[i]);
    }
    free(files);
    return count;
}

int main(int argc, char **argv)
{
    char dir[4096];
    const char *self = strrchr(argv[0], '/');
    self = self ? self + 1 : argv[0];
    const char *name = strncmp(self, "lt-", 3) == 0 ? self + 3 : self;
    name = strncmp(name, "replay_", 7) == 0 ? name + 7 : name;

    LLVMFuzzerInitialize(&argc, &argv);
    if (argc < 2) {
        const char *top = getenv("top_srcdir");
        if (top == NULL) {
            fprintf(stderr, "usage: %s FILE|DIR... (or set top_srcdir)\n", argv[0]);
            return 2;
        }
        snprintf(dir, sizeof(dir), "%s/fuzz/corpus/%s", top, name);
        long n = replay_path(dir);
        if (n < 0)
            return 1;
        printf("PASS: %ld inputs of %s replayed through the %s harness\n", n, dir, name);
        return n > 0 ? 0 : 1;
    }
    long total = 0;
    for (int i = 1; i < argc; i++) {
        long n = replay_path(argv[i]);
        if (n < 0)
            return 1;
        total += n;
    }
    printf("PASS: %ld inputs replayed through the %s harness\n", total, name);
    return 0;
}
