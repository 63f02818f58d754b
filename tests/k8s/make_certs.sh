#!/usr/bin/env bash
# make_certs.sh DIR: what tests/k8s/fake_apiserver.py and a client of it need, in DIR:
#   ca.crt ca.key          a throw-away cluster CA (like /var/run/secrets/kubernetes.io/serviceaccount/ca.crt)
#   server.crt server.key  the API server's certificate, signed by the CA, for
#                          DNS:localhost, DNS:kubernetes.default.svc, IP:127.0.0.1, IP:::1
#   token                  a bearer token shaped like a service account JWT (no trailing newline)
set -euo pipefail
dir=${1:?usage: make_certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077
subj_ca="/CN=nettrail-fake-ca"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "$subj_ca" \
	-keyout ca.key -out ca.crt \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-addext "subjectKeyIdentifier=hash" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=kube-apiserver" \
	-keyout server.key -out server.csr 2>/dev/null
cat >server.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:::1
EOF
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 3650 \
	-extfile server.ext -out server.crt 2>/dev/null
rm -f server.csr server.ext ca.srl

# header.payload.signature, base64url without padding, like a projected SA token
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header='{"alg":"RS256","kid":"nettrail-fake"}'
payload=$(printf '{"aud":["https://kubernetes.default.svc.cluster.local"],"exp":%d,"iat":%d,"iss":"https://kubernetes.default.svc.cluster.local","kubernetes.io":{"namespace":"kube-system","serviceaccount":{"name":"nettrail","uid":"%s"}},"nbf":%d,"sub":"system:serviceaccount:kube-system:nettrail"}' \
	$((now + 3600)) "$now" "$(cat /proc/sys/kernel/random/uuid)" "$now")
printf '%s.%s.%s' "$(printf %s "$header" | b64url)" "$(printf %s "$payload" | b64url)" \
	"$(openssl rand 256 | b64url)" >token
chmod 644 ca.crt server.crt token
openssl verify -CAfile ca.crt server.crt >/dev/null
