#!/bin/sh
# run: a target that detaches short-lived children (double fork, setsid, exit after 10 ms),
# 50 a second, never has more than a handful of zombies: orphans are reaped as they die,
# not at stop.  Counted from /proc: processes in state Z whose parent belongs to the run.
. "$(dirname "$0")/lib.sh"
plan 4

s=$(scenario_for detacher "[\"$HELPERS/tree\", \"-z\", \"50\"]" '"gate": {"rss_kib_per_min": 4096}')
sed -i 's/"duration_s": 4/"duration_s": 6/' "$s"
ls_start run "$s" --out "$TMP/detacher"

# zombies_of_run: how many zombies have a parent that carries this script's tag.
zombies_of_run() {
	parents=" $(tagged_pids | tr '\n' ' ') "
	n=0
	for stat in /proc/[0-9]*/stat; do
		# state and ppid follow the last ')' of the command name
		rest=$(sed 's/.*) //' "$stat" 2>/dev/null) || continue
		set -- $rest
		[ "${1:-}" = Z ] || continue
		case $parents in *" ${2:-x} "*) n=$((n + 1)) ;; esac
	done
	echo "$n"
}

running() { has_samples "$TMP/detacher/samples.csv" 5; }
check "the run is sampling" wait_until running
most=0
for _ in $(seq 1 15); do
	z=$(zombies_of_run)
	[ "$z" -gt "$most" ] && most=$z
	sleep 0.2
done
echo "# most zombies seen at once: $most (about 150 children died meanwhile)"
check "never more than 5 zombies at once" [ "$most" -le 5 ]
wait "$ls_pid"
code=$?
check "the run completed with a verdict" [ "$code" = 0 ]
check "nothing is left running" no_strays
