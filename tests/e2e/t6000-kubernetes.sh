#!/bin/sh
# docs/kubernetes: the manifests are YAML with what Kubernetes requires of them, and the
# commands of the Indexed soak Job and the merge Job, run here as the Job controller would run
# them (JOB_COMPLETION_INDEX 0..N-1, the container's env, one shared results folder), run every
# scenario exactly once and merge them into one report.
. "$(dirname "$0")/lib.sh"
plan 16

K=$ROOT/docs/kubernetes
KUBE="python3 $ROOT/tests/e2e/kube.py"
if ! python3 -c 'import yaml' 2>/dev/null; then
	for _ in $(seq 1 16); do skip "python3-yaml is not installed (apt-get install python3-yaml)"; done
	exit 0
fi

check "the manifests are valid and complete" $KUBE check "$K/volume.yaml" "$K/soak-job.yaml" \
	"$K/merge-job.yaml"
$KUBE json "$K/soak-job.yaml" >"$TMP/soak.json"
$KUBE json "$K/merge-job.yaml" >"$TMP/merge.json"
$KUBE json "$K/volume.yaml" >"$TMP/volume.json"
soak_is() { json_true "$TMP/soak.json" ".[0] | $1"; }
check "the soak Job is Indexed" soak_is '.kind == "Job" and .spec.completionMode == "Indexed"'
check "it runs one pod per shard: completions, parallelism and SHARDS agree" soak_is \
	'(.spec.template.spec.containers[0].env | map({(.name): .value}) | add) as $e |
	 .spec.completions == ($e.SHARDS | tonumber) and .spec.parallelism == .spec.completions'
check "each pod picks its shard from JOB_COMPLETION_INDEX" soak_is \
	'.spec.template.spec.containers[0].command[2] | test("JOB_COMPLETION_INDEX \\+ 1")'
# mounts_results FILE: the container mounts the claim of volume.yaml at $RESULTS.
mounts_results() {
	claim=$(jq -r '.[0].metadata.name' "$TMP/volume.json")
	json_true "$1" "
	  .[0].spec.template.spec as \$p | \$p.containers[0] as \$c |
	  (\$c.env | map({(.name): .value}) | add).RESULTS as \$r |
	  (\$c.volumeMounts[] | select(.mountPath == \$r) | .name) as \$v |
	  (\$p.volumes[] | select(.name == \$v) | .persistentVolumeClaim.claimName) == \"$claim\""
}
check "the soak Job writes into the shared claim" mounts_results "$TMP/soak.json"
check "the merge Job reads the same claim" mounts_results "$TMP/merge.json"
check "the container recipe starts from debian:12" grep -qx 'FROM debian:12' "$K/Containerfile"
check "and runs the README's two commands" sh -c "
	grep -q '^RUN ./scripts/install-deps.sh && make demo\$' '$K/Containerfile' &&
	grep -q '^RUN ./scripts/install-deps.sh && make check\$' '$K/Containerfile' &&
	grep -q '^./scripts/install-deps.sh && make demo ' '$ROOT/README.md' &&
	grep -q '^./scripts/install-deps.sh && make check ' '$ROOT/README.md'"

# Five small scenarios over the Job's shards: leaksoak on PATH as in the image, the env of the
# manifests with RESULTS and SCENARIOS pointed here.
mkdir -p "$TMP/bin" "$TMP/scen"
ln -s "$LEAKSOAK" "$TMP/bin/leaksoak"
for name in e-five a-one d-four b-two c-three; do
	cat >"$TMP/scen/$name.json" <<JSON
{"name": "$name", "target": {"cmd": ["$HELPERS/grower"]},
 "duration_s": 3, "warmup_s": 1, "sample": {"interval_ms": 50}}
JSON
done
shards=$(jq -r '.[0].spec.completions' "$TMP/soak.json")
set -- RESULTS="$TMP/results" SCENARIOS="$TMP/scen" RUN_ID=night-1
i=0
pids=
while [ "$i" -lt "$shards" ]; do
	env PATH="$TMP/bin:$PATH" JOB_COMPLETION_INDEX=$i LEAKSOAK_E2E_TAG="$TAG" \
		$KUBE run "$K/soak-job.yaml" "$@" >"$TMP/pod$i.out" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
failed=0
for pid in $pids; do wait "$pid" || failed=$((failed + 1)); done
check "every soak pod completed" test "$failed" = 0
# shard_runs K: the scenarios shard K ran, one per line.
shard_runs() { jq -r '.runs[].scenario' "$TMP/results/shards/night-1/$1/summary.json"; }
check "each shard ran its share: scenario k of the sorted list in shard k % $shards + 1" sh -c "
	[ \"\$(jq -r '.runs[].scenario' '$TMP/results/shards/night-1/1/summary.json' | paste -sd,)\" = a-one,d-four ] &&
	[ \"\$(jq -r '.runs[].scenario' '$TMP/results/shards/night-1/2/summary.json' | paste -sd,)\" = b-two,e-five ] &&
	[ \"\$(jq -r '.runs[].scenario' '$TMP/results/shards/night-1/3/summary.json' | paste -sd,)\" = c-three ]"
all=$(for k in $(seq 1 "$shards"); do shard_runs "$k"; done | sort | paste -sd,)
check "the shards together ran every scenario once ($all)" \
	test "$all" = a-one,b-two,c-three,d-four,e-five

env PATH="$TMP/bin:$PATH" LEAKSOAK_E2E_TAG="$TAG" $KUBE run "$K/merge-job.yaml" "$@" \
	>"$TMP/merge.out" 2>&1
check "the merge Job exits 0 (every run passed)" test $? = 0
merged=$TMP/results/soak/night-1/summary.json
check "the merged report covers every scenario exactly once" \
	test "$(jq -r '[.runs[].scenario] | join(",")' "$merged")" = a-one,b-two,c-three,d-four,e-five
check "the merged report keeps the shards' label" json_true "$merged" '.label == "night-1"'
check "and joins the history of the folder it was written into" sh -c "
	'$LEAKSOAK' history '$TMP/results/soak' --json | jq -e '[.soaks[] | .dir + \":\" + .label] == [\"night-1:night-1\"]' >/dev/null"
check "nothing is left running" no_strays
