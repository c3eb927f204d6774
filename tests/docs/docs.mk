# The documentation: the rendered man pages are lint-clean for mandoc (tests/docs/man-lint.sh),
# and README.md, docs/*.md and pam_oauth2_introspect.conf(5) quote the files of examples/ word for
# word (tests/docs/readme-examples.sh lists which document quotes which file). Included from
# tests/Makefile.inc: paths are relative to the top.
TESTS += tests/docs/man-lint.sh tests/docs/readme-examples.sh

# examples/: a document quotes each file and the tests use them as they are (readme-examples.sh lists them).
EXTRA_DIST += tests/docs/man-lint.sh tests/docs/readme-examples.sh \
	examples/sshd.conf examples/sudo.conf examples/pam_oauth2_introspect.map \
	examples/hydra-v2.conf examples/hydra-v1.conf examples/ory-network.conf examples/hydra-device.conf \
	examples/pam.d/sshd examples/pam.d/sudo examples/pam.d/stacking \
	examples/sshd_config.d/oauth2-introspect.conf \
	examples/clients/oauth2-token-askpass examples/clients/person.sh examples/clients/ci-job.sh
