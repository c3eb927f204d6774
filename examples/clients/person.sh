# A person, on their own machine: ssh asks the askpass program for the token (OpenSSH 8.4 or
# later), at the module's prompt or at the password prompt.
SSH_ASKPASS=~/bin/oauth2-token-askpass SSH_ASKPASS_REQUIRE=force ssh alice@server.example
# On a host where sudo is set up with the module, with the program and a token there: the same.
SUDO_ASKPASS=~/bin/oauth2-token-askpass sudo -A whoami
