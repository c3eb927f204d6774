/* The cache directory's signed files, shared by the answer cache (cache.c) and the circuit
 * breaker (breaker.c): the directory and its key, file names keyed by everything a configuration
 * trusts, authenticated reads, and atomic writes that carry their expiry as the file's mtime.
 *
 * The directory must be a real directory (not a symbolic link) owned by root or the effective
 * uid with no access for group or others, in directories only root can change; it is created
 * (0700) when absent. Writes go to a temporary file renamed into place, so concurrent logins
 * never see a partial file. */
#ifndef OI_STORE_H
#define OI_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cfg.h"
#include "files.h"
#include "log.h"
#include "reason.h"

#define OI_CACHE_KEY_FILE "hmac.key"
#define OI_CACHE_KEY_BYTES OI_KEY_BYTES
#define OI_STORE_TMP_PREFIX ".tmp-"
/* The largest file: an entry's header, the answer (http.c caps it at 64 KiB) and the MAC line. */
#define OI_STORE_MAX_BYTES (64 * 1024 + 512)

struct oi_cache {
    int dirfd; /* -1: closed */
    unsigned char key[OI_CACHE_KEY_BYTES];
    char entry[80]; /* file name of the selected token's entry ("" before oi_cache_select) */
};

/* Open and check cfg->cache_dir and read (or create) the key. OI_OK, OI_CONFIG (logged) when the
 * directory or the key file is unsafe or unusable, OI_NOMEM. */
enum oi_reason oi_cache_open(struct oi_cache *c, const struct oi_config *cfg, const struct oi_log *lg);
void oi_cache_close(struct oi_cache *c);

/* HMAC under the key of label, everything in cfg that changes whom the module trusts or how it
 * asks (flavour, auth, client, secret file, TLS trust, pin, client certificate, proxy, scheme),
 * items and extra, each part length-prefixed so that no two inputs give the same bytes. */
bool oi_store_name(const struct oi_cache *c, const struct oi_config *cfg, const char *label, const char *const *extra,
                   size_t n_extra, const struct oi_strlist *items, unsigned char md[32]);

/* A file of the directory that only we may have written, NUL-terminated. 0; -1 absent (or out
 * of memory); -2 present but not ours (treat as corrupt). */
int oi_store_read(const struct oi_cache *c, const char *name, char **out, size_t *len);
/* Write name atomically, its mtime set to keep_until (the sweep removes it after that). 0, or -1
 * with errno. */
int oi_store_write(const struct oi_cache *c, const char *name, const char *data, size_t len, int64_t keep_until);

/* Append "mac <hex>\n" over buf[0, *len) (bound to label and name) within cap bytes. */
bool oi_store_sign(const struct oi_cache *c, const char *label, const char *name, char *buf, size_t *len, size_t cap);
/* Does the trailing MAC line hold over everything before it? *payload: its length. */
bool oi_store_verify(const struct oi_cache *c, const char *label, const char *name, const char *buf, size_t len,
                     size_t *payload);
/* Parse "<word> <integer>\n" at *p (before end), advancing *p. */
bool oi_store_number(const char **p, const char *end, const char *word, int64_t *out);

#endif
