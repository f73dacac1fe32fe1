#!/bin/sh
# Install the Debian packages leaksoak needs to build, test and plot, and only those missing
# (python3-yaml checks the Kubernetes manifests; prometheus brings promtool, which checks
# --metrics-out; etcd-server is the server the Go cached-streams target starts, and
# golang-etcd-server-dev its Go client, clientv3 3.4).
# Used by `make deps`, `make demo`, `make check` and `make bench`; says exactly what it did.
#   scripts/install-deps.sh              build, test and plot packages
#   scripts/install-deps.sh --bench      also wrk (driver comparison in `make bench`)
#   scripts/install-deps.sh --browser    also chromium (the HTML report test)
#   scripts/install-deps.sh --fuzz       also clang and libFuzzer (`make fuzz`)
set -eu

pkgs="gcc make pkg-config libc6-dev libjansson-dev libcurl4-openssl-dev libproc2-dev
libmicrohttpd-dev zlib1g-dev libgrpc-dev libcmocka-dev gnuplot-nox procps jq libxml2-utils man-db
golang-go golang-google-grpc-dev golang-github-gin-gonic-gin-dev golang-github-gin-contrib-cors-dev
golang-github-gin-contrib-gzip-dev
golang-github-prometheus-client-golang-dev etcd-server golang-etcd-server-dev
heaptrack python3-yaml prometheus"
for arg in "$@"; do
	case $arg in
	--bench) pkgs="$pkgs wrk" ;;
	--browser) pkgs="$pkgs chromium" ;;
	--fuzz) pkgs="$pkgs clang libclang-rt-dev" ;;
	*) echo "install-deps: unknown option '$arg' (use --bench, --browser or --fuzz)" >&2
	   exit 2 ;;
	esac
done

missing=
for p in $pkgs; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $p"
done

if [ -z "$missing" ]; then
	echo "install-deps: all $(echo $pkgs | wc -w) packages present"
	exit 0
fi

echo "install-deps: missing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: not root; install them with: sudo apt-get install$missing" >&2
	exit 1
fi
apt_opts="-y -q -o DPkg::Lock::Timeout=300 --no-install-recommends"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists; an old list may name versions no longer served.
apt-get -q -o DPkg::Lock::Timeout=300 update >/dev/null
# shellcheck disable=SC2086
apt-get install $apt_opts $missing >/dev/null
echo "install-deps: installed:$missing"
