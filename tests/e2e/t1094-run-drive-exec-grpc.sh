#!/bin/sh
# The bundled gRPC example: grpc-conns serving gRPC (--grpc), driven only by the small Go gRPC
# client targets/go/grpc-load through drive.exec, is called a leak on RSS and FDs; its fixed
# twin passes.  The client's own connection and threads are sampled apart, never in the verdict.
. "$(dirname "$0")/lib.sh"
plan 7
cd "$ROOT" || exit 1
# Every leaked channel holds 2 FDs; under a few thousand descriptors the leak levels off.
skip_unless_fd_limit 4096 7 grpc-conns-grpc
check "grpc-conns-grpc is called a leak" expect_exit 1 run scenarios/grpc-conns-grpc.json --out "$TMP/leak"
check "it fails on rss and fds, settled within 15 s" json_true "$TMP/leak/summary.json" \
	'.failed == ["rss", "fds"] and .stopped_early and .decided_at_s <= 15'
check "the Go client is shown apart, stopped at the end" json_true "$TMP/leak/summary.json" \
	'.drive_exec.cmd[0] == "targets/bin/go-grpc-load" and .drive_exec.peak_rss_kib > 1000 and
	 .drive_exec.exit == "was stopped at the end of the run" and .driver == null'
check "the target's samples hold one process: the client is not in its tree" sh -c \
	"awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if (\$i == \"procs\") c = i; next }
		  \$c != 1 { bad = 1 } END { exit bad || !c }' '$TMP/leak/samples.csv'"
check "grpc-conns-grpc-fixed passes" expect_exit 0 run scenarios/grpc-conns-grpc-fixed.json --out "$TMP/pass"
check "the client made its calls all along (drive.log)" grep -q "^go-grpc-load: [0-9]* calls in 10 s" "$TMP/pass/drive.log"
check "nothing is left running" no_strays
