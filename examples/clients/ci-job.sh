# A CI job, its token in OAUTH2_TOKEN: sshpass types it at the module's prompt, read from the
# environment (-e), never from the command line, which every local user can read.
SSHPASS=$OAUTH2_TOKEN sshpass -e -P 'Access token' ssh deploy@server.example uptime
# On a host where sudo is set up with the module: sudo reads it from standard input (-S), no prompt.
printf '%s\n' "$OAUTH2_TOKEN" | sudo -S -p '' whoami
