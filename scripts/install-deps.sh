#!/bin/sh
# Install the Debian packages leaksoak needs to build, test and plot, and only those missing
# (python3-yaml checks the Kubernetes manifests; prometheus brings promtool, which checks
# --metrics-out; wrk is the load generator of the drive.exec examples and their tests;
# openjdk-17-jdk-headless brings jcmd, for evidence.jvm, and javac, for its test helper;
# etcd-server is the server the Go cached-streams target starts, and golang-etcd-server-dev
# its Go client, clientv3 3.4).
# Used by `make deps`, `make demo`, `make check` and `make bench`; says exactly what it did.
#   scripts/install-deps.sh              build, test and plot packages
#   scripts/install-deps.sh --bench      nothing more today (wrk, which `make bench` compares
#                                        the driver with, is in the normal list)
#   scripts/install-deps.sh --browser    also chromium (the HTML report test)
#   scripts/install-deps.sh --fuzz       also clang and libFuzzer (`make fuzz`)
#   scripts/install-deps.sh --corpus     also the runtimes the corpus programs run on, to record
#                                        them (tests/corpus/record.sh; the recordings are
#                                        checked in, so `make check` needs none of these)
set -eu

pkgs="gcc make pkg-config libc6-dev libjansson-dev libcurl4-openssl-dev libproc2-dev
libmicrohttpd-dev zlib1g-dev libgrpc-dev libcmocka-dev gnuplot-nox procps jq libxml2-utils man-db
golang-go golang-google-grpc-dev golang-github-gin-gonic-gin-dev golang-github-gin-contrib-cors-dev
golang-github-gin-contrib-gzip-dev
golang-github-prometheus-client-golang-dev etcd-server golang-etcd-server-dev
heaptrack openjdk-17-jdk-headless python3-yaml prometheus wrk"
for arg in "$@"; do
	case $arg in
	--bench) ;;
	--browser) pkgs="$pkgs chromium" ;;
	--fuzz) pkgs="$pkgs clang libclang-rt-dev" ;;
	--corpus) pkgs="$pkgs nodejs python3 openjdk-17-jdk-headless" ;;
	*) echo "install-deps: unknown option '$arg' (use --bench, --browser, --fuzz or --corpus)" >&2
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
