#!/usr/bin/env python3
"""kube.py — check leaksoak's Kubernetes manifests, and run a Job's command locally.

  kube.py check FILE...                 the manifests are YAML with the fields Kubernetes needs
  kube.py json FILE                     the manifest's documents as one JSON array
  kube.py run FILE [NAME=VALUE ...]     exec the Job's container command with the container's
                                        env, overridden by NAME=VALUE, plus this environment's
                                        PATH and JOB_COMPLETION_INDEX (as the Job controller
                                        sets it for an Indexed Job)

check prints one line per problem and exits 1 when there is any.
"""
import os
import sys

import yaml

problems = []


def need(cond, where, what):
    if not cond:
        problems.append(f"{where}: {what}")
    return cond


def is_name(s):
    # An RFC 1123 subdomain, as metadata.name must be.
    return (isinstance(s, str) and 0 < len(s) <= 253 and s[0].isalnum() and s[-1].isalnum()
            and all(c.islower() or c.isdigit() or c in "-." for c in s))


def positive_int(v):
    return isinstance(v, int) and not isinstance(v, bool) and v > 0


def check_container(c, where, volume_names):
    need(isinstance(c, dict), where, "not a mapping")
    need(is_name(c.get("name")), where, "container name missing or not a DNS label")
    need(isinstance(c.get("image"), str) and c["image"], where, "image missing")
    cmd = c.get("command")
    need(isinstance(cmd, list) and cmd and all(isinstance(a, str) for a in cmd), where,
         "command is not a list of strings")
    for e in c.get("env", []):
        need(is_name(str(e.get("name", "")).lower().replace("_", "-")) and
             isinstance(e.get("value"), str), where, f"env {e!r}: needs name and a string value")
    for m in c.get("volumeMounts", []):
        need(m.get("name") in volume_names, where,
             f"volumeMount {m.get('name')!r} names no volume of the pod")
        need(isinstance(m.get("mountPath"), str) and m["mountPath"].startswith("/"), where,
             "volumeMount needs an absolute mountPath")


def check_job(doc, where):
    spec = doc.get("spec") or {}
    need(doc.get("apiVersion") == "batch/v1", where, "apiVersion is not batch/v1")
    for key in ("completions", "parallelism"):
        if key in spec:
            need(positive_int(spec[key]), where, f"spec.{key} is not a positive integer")
    if spec.get("completionMode") == "Indexed":
        need(positive_int(spec.get("completions")), where,
             "an Indexed Job needs spec.completions")
    pod = (spec.get("template") or {}).get("spec") or {}
    need(pod.get("restartPolicy") in ("Never", "OnFailure"), where,
         "a Job's pod needs restartPolicy Never or OnFailure")
    volumes = pod.get("volumes", [])
    names = [v.get("name") for v in volumes]
    need(len(names) == len(set(names)), where, "two volumes with one name")
    for v in volumes:
        need(is_name(v.get("name")) and len(v) == 2, where,
             f"volume {v.get('name')!r} needs a name and exactly one source")
    containers = pod.get("containers")
    if need(isinstance(containers, list) and containers, where, "no containers"):
        for i, c in enumerate(containers):
            check_container(c, f"{where}: containers[{i}]", set(names))


def check_file(path):
    with open(path) as f:
        try:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            problems.append(f"{path}: not YAML: {e}")
            return []
    need(docs, path, "no document")
    for i, doc in enumerate(docs):
        where = f"{path}[{i}]"
        if not need(isinstance(doc, dict), where, "not a mapping"):
            continue
        need(isinstance(doc.get("apiVersion"), str), where, "apiVersion missing")
        need(isinstance(doc.get("kind"), str), where, "kind missing")
        need(is_name((doc.get("metadata") or {}).get("name")), where,
             "metadata.name missing or not a DNS name")
        need(isinstance(doc.get("spec"), dict), where, "spec missing")
        if doc.get("kind") == "Job":
            check_job(doc, where)
    return docs


def job_of(path):
    jobs = [d for d in check_file(path) if isinstance(d, dict) and d.get("kind") == "Job"]
    if problems or len(jobs) != 1:
        sys.exit("\n".join(problems) or f"{path}: expected one Job")
    return jobs[0]


def run(path, overrides):
    c = job_of(path)["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in c.get("env", [])}
    for kv in overrides:
        k, _, v = kv.partition("=")
        env[k] = v
    for k in ("PATH", "JOB_COMPLETION_INDEX", "LEAKSOAK_E2E_TAG"):
        if k in os.environ:
            env[k] = os.environ[k]
    os.execvpe(c["command"][0], c["command"], env)


def main(argv):
    if len(argv) >= 3 and argv[1] == "check":
        for path in argv[2:]:
            check_file(path)
        for p in problems:
            print(p)
        return 1 if problems else 0
    if len(argv) == 3 and argv[1] == "json":
        import json
        with open(argv[2]) as f:
            json.dump(list(yaml.safe_load_all(f)), sys.stdout)
        return 0
    if len(argv) >= 3 and argv[1] == "run":
        run(argv[2], argv[3:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
