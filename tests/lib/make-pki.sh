#!/bin/sh
# make-pki.sh DIR: a test CA, a server certificate for 127.0.0.1/localhost signed by it, and an
# unrelated second CA (for "unknown CA" cases). Made fresh for every run; nothing is checked in.
set -eu
d=$1
mkdir -p "$d" && cd "$d"
ca() { # name cn
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.crt" -days 2 -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
ca ca "pam_oauth2_introspect test CA"
ca other-ca "unrelated test CA"
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 \
    -extfile server.ext 2>/dev/null
chmod 600 ./*.key
# The server's public key (for pinned_pubkey) and an unrelated one, and a hashed CA directory
# like /etc/ssl/certs (for ca_dir, the default trust setting).
openssl x509 -in server.crt -pubkey -noout > server.pub
openssl x509 -in other-ca.crt -pubkey -noout > other.pub
mkdir -p cadir && cp ca.crt cadir/ && openssl rehash cadir 2>/dev/null
