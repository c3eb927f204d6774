/* The unit tests' scratch directory: made by unit_group_setup, removed with all it holds by
 * unit_group_teardown (cmocka group fixtures). */
#ifndef OI_UNIT_SCRATCH_H
#define OI_UNIT_SCRATCH_H

#include <stddef.h>
#include <sys/types.h>

int unit_group_setup(void **state);
int unit_group_teardown(void **state);

/* A new, unused path in the scratch directory (malloc'd); nothing is created. */
char *unit_scratch_path(const char *what);
/* Write len bytes to a new scratch file with exactly this mode; returns its path (malloc'd). */
char *unit_write_file(const void *data, size_t len, mode_t mode);
char *unit_write_text(const char *text, mode_t mode);

#endif
