/* Small helpers shared by every unit: wiping secrets, strict numbers, hex, string lists, and the
 * place of an error for the one log line naming it. */
#ifndef OI_UTIL_H
#define OI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "reason.h"

/* Where an error was found, for the one log line naming it. */
struct oi_config_error {
    char where[1100]; /* "pam.d line" or "/path:12" */
    char key[64];
    char what[2200]; /* room for two paths of a message: never cut the cause off */
};

/* Fill err (where, key, what) for a configuration error; OI_CONFIG, for return. */
enum oi_reason oi_config_fail(struct oi_config_error *err, const char *where, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Overwrite n bytes in a way the compiler may not drop. */
void oi_wipe(void *p, size_t n);
/* Wipe a NUL-terminated string, free it, and set the pointer to NULL. */
void oi_free_secret(char **s);

/* "key" when arg is "key=..." : returns the value part, else NULL. */
const char *oi_skip_prefix(const char *arg, const char *prefix);

/* Whole-string decimal integer in [min, max]; false on sign, junk, overflow. */
bool oi_parse_long(const char *s, long min, long max, long *out);
bool oi_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

/* Does s hold a control character (below 0x20, or DEL)? */
bool oi_has_control(const char *s);
/* How many of the len bytes of s, from the start, are printable ASCII other than space (0x21 to
 * 0x7e): len when all are. Tokens, and what a server sends for a person to see. */
size_t oi_plain_len(const char *s, size_t len);

/* Byte-for-byte equality of a counted string with a C string (embedded NULs never match). */
bool oi_str_eq(const char *a, size_t alen, const char *b);

/* Read up to n bytes from fd, through EINTR and short reads, until n or end of file. The count
 * read, or -1 on an error. */
ssize_t oi_read_full(int fd, void *buf, size_t n);

/* n bytes as 2n lowercase hex digits and a NUL; and back (false on anything but hex). */
void oi_hex(char *dst, const unsigned char *src, size_t n);
bool oi_unhex(unsigned char *dst, const char *src, size_t n);

/* The length of a piece of a secret that counts as an echo of it. */
#define OI_ECHO_PIECE 16
/* Does text hold one of the secrets (a NULL-terminated list; NULL and "" entries are skipped),
 * or any OI_ECHO_PIECE-byte piece of one (a truncated or partial copy)? Linear in the sizes. */
bool oi_holds_secret(const char *text, size_t len, const char *const *secrets);

/* A list of owned strings. */
struct oi_strlist {
    char **items;
    size_t n;
};
void oi_strlist_free(struct oi_strlist *l);
/* *field = a copy of value, the old one freed. OI_OK, or OI_NOMEM (*field unchanged). */
enum oi_reason oi_set_string(char **field, const char *value);
/* Split s on sep into l (replacing it); items are trimmed of blanks. OI_OK, OI_CONFIG for an
 * empty item, OI_NOMEM. */
enum oi_reason oi_strlist_split(struct oi_strlist *l, const char *s, char sep);
bool oi_strlist_contains(const struct oi_strlist *l, const char *s, size_t len);

/* Is `word` one of the sep-separated words of `list` (exact match)? */
bool oi_word_in(const char *list, size_t list_len, const char *word, char sep);

/* Copy s for a person to read (the tool's output, a server's message): printable ASCII and
 * spaces kept, anything else '?', at most len bytes of input. */
void oi_printable(char *dst, size_t dstlen, const char *s, size_t len);

/* Copy s for a log line: printable ASCII kept, everything else as \xNN, at most max bytes of input. */
void oi_sanitize(char *dst, size_t dstlen, const char *s, size_t len);

/* The wall clock in milliseconds since the epoch (cache and breaker times are shared between
 * processes, so not a monotonic clock). */
int64_t oi_now_ms(void);

/* The short host name (up to the first dot) into buf. */
int oi_short_hostname(char *buf, size_t len);

#endif
