/* Files and directories that only root (or this process's own user) can change: the check of
 * every component of a path, reading such a file, private directories and the keys kept in them.
 *
 * Trusted means: owned by root or the effective uid, not writable by group or others, and so is
 * every directory above it (as OpenSSH's StrictModes checks). A root-owned sticky directory such
 * as /tmp is accepted as an ancestor, never as the directory a file sits in: others cannot rename
 * what they do not own there, but they can create the name first. */
#ifndef OI_FILES_H
#define OI_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include "log.h"
#include "reason.h"
#include "util.h"

#define OI_KEY_BYTES 32

/* Every directory above path (an absolute path; path itself is not checked). Symbolic links
 * among them are followed: the directory holding a link and the directories it leads to are all
 * checked. is_dir: path is a directory, so even its parent counts as an ancestor (sticky allowed).
 * 0, or -1 with why. */
int oi_check_ancestors(const char *path, bool is_dir, char *why, size_t whylen);

/* Read path as a trusted file: absolute, not a symbolic link, regular, trusted ancestors, owned
 * by root or the effective uid, not writable by group or others, and (secret) not readable by
 * them either. At most max bytes, into a NUL-terminated buffer (the caller frees; a secret is
 * wiped first). OI_OK, OI_CONFIG with err->what, OI_NOMEM. */
enum oi_reason oi_read_trusted_file(const char *path, bool secret, size_t max, char **out, size_t *outlen,
                                    struct oi_config_error *err);

/* What libcurl reads by itself (ca_file, ca_dir, client_cert, client_key, a pinned key file):
 * the same checks as a trusted file or, for ca_dir, a trusted directory, without reading it.
 * OI_OK, or OI_CONFIG with why. */
enum oi_path_kind { OI_PATH_FILE, OI_PATH_SECRET, OI_PATH_DIR };
enum oi_reason oi_check_trusted_path(const char *path, enum oi_path_kind kind, char *why, size_t whylen);

/* Open a private directory, made (0700) when absent: a real directory, not a symbolic link,
 * owned by root or the effective uid, no access for group or others, trusted ancestors.
 * A file descriptor, or -1 with why. */
int oi_private_dir_open(const char *path, char *why, size_t whylen);

/* The key in file name of private directory dirfd: OI_KEY_BYTES random bytes as one line of hex,
 * mode 0600, made when absent and published with link() so that concurrent first logins agree on
 * one key. 0, or -1 with why. */
int oi_private_key(int dirfd, const char *name, unsigned char key[OI_KEY_BYTES], char *why, size_t whylen);

/* The private directory dir (the option named option, for the message) and its key file name,
 * made when absent. OI_OK with key set and, when dirfd is not NULL, the directory left open in
 * *dirfd; or OI_CONFIG, logged as a configuration error that names the option and says why. */
enum oi_reason oi_private_keyed_dir(const struct oi_log *lg, const char *option, const char *dir, const char *name,
                                    unsigned char key[OI_KEY_BYTES], int *dirfd);

#endif
