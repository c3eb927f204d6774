# The administrator's tool oauth2-introspect (revoke, check, ping, cache, limits), one file per command
# under src/tool/, on the same core library as the module. Included from the top Makefile.am after
# the module: paths are relative to the top.
sbin_PROGRAMS = src/oauth2-introspect
src_oauth2_introspect_SOURCES = src/tool/main.c src/tool/common.c src/tool/tool.h src/tool/revoke.c \
	src/tool/check.c src/tool/explain.c src/tool/ping.c src/tool/cache.c src/tool/limits.c
src_oauth2_introspect_LDADD = $(CORE_LIBS)
src_oauth2_introspect_LDFLAGS = -Wl,-z,relro -Wl,-z,now

# Its man page, written in scdoc like the module's and shipped rendered in the tarball.
dist_man8_MANS = man/oauth2-introspect.8
EXTRA_DIST += man/oauth2-introspect.8.scd
man/oauth2-introspect.8: man/oauth2-introspect.8.scd
	$(AM_V_GEN)$(MKDIR_P) man && $(SCDOC) < $(srcdir)/man/oauth2-introspect.8.scd > $@.tmp && mv $@.tmp $@
