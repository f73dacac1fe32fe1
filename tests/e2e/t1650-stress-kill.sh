#!/bin/sh
# run and soak: SIGKILL at a random moment (starting, sampling, stopping) leaves no process
# behind.  The target's tree has setsid'd grandchildren, a double-forked orphan, processes
# that ignore SIGTERM and have no parent-death signal, and keeps detaching short-lived
# children.  STRESS_TRIALS trials (default 5; `make stress` runs 100); every trial waits up
# to 10 s for the tree to go, then counts and kills the survivors.
. "$(dirname "$0")/lib.sh"
trials=${STRESS_TRIALS:-5}
plan 2

tree="[\"$HELPERS/tree\", \"-N\", \"-I\", \"-c\", \"2\", \"-g\", \"-s\", \"-o\", \"-z\", \"20\"]"
for name in stress-a stress-b; do
	s=$(scenario_for "$name" "$tree" '"gate": {"rss_kib_per_min": 1024}')
	sed -i 's/"duration_s": 4/"duration_s": 60/; s/"cmd":/"stop_grace_s": 0.5, "cmd":/' "$s"
done
none_left() { [ -z "$(tagged_pids)" ]; }

survivors=0
killed=0
i=0
while [ "$i" -lt "$trials" ]; do
	i=$((i + 1))
	delay=$(awk -v seed="$$$i" 'BEGIN { srand(seed); printf "%.2f", rand() * 2.5 }')
	if [ $((i % 2)) = 0 ]; then
		kind=soak
		ls_start soak -j 2 --out "$TMP/soak$i" "$TMP/stress-a.json" "$TMP/stress-b.json"
	else
		kind=run
		ls_start run --out "$TMP/run$i" "$TMP/stress-a.json"
	fi
	sleep "$delay"
	kill -KILL "$ls_pid" 2>/dev/null
	wait "$ls_pid"
	[ $? = 137 ] && killed=$((killed + 1))
	left=0
	if ! wait_until none_left; then
		left=$(tagged_pids | wc -l)
		for pid in $(tagged_pids); do
			echo "# survivor $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
			kill -KILL "$pid" 2>/dev/null
		done
	fi
	survivors=$((survivors + left))
	echo "# trial $i: $kind killed after $delay s: $left survivors"
done
echo "# stress: $trials trials, $survivors survivors"
check "every trial's leaksoak died of SIGKILL" [ "$killed" = "$trials" ]
check "no survivor in $trials trials" [ "$survivors" = 0 ]
