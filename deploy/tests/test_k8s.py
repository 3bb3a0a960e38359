"""The Kubernetes manifests of deploy/k8s/ against a schema of the API subset they use
(k8s-schema.yaml) and against each other and the cascade binary: selectors select the pods,
Services reach named ports, the broker's --shards names every shard replica the StatefulSet
runs, probes and scrape annotations point at cascade's endpoints, and every flag the manifests
pass exists in `cascade <command> --help`."""

import os
import re
import shlex
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

HERE = Path(__file__).resolve().parent
K8S = HERE.parent / "k8s"
BINARY = os.environ.get("CASCADE_BINARY")


def documents():
    out = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name.endswith("-patch.yaml"):
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is not None:
                out.append((path.name, doc))
    return out


@pytest.fixture(scope="module")
def docs():
    return documents()


@pytest.fixture(scope="module")
def by_kind(docs):
    kinds = {}
    for _, doc in docs:
        kinds.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    return kinds


def test_every_manifest_matches_the_schema(docs):
    schema = yaml.safe_load((HERE / "k8s-schema.yaml").read_text())
    assert len(docs) >= 7
    for name, doc in docs:
        kind = doc.get("kind")
        assert kind in schema["$defs"], f"{name}: no schema for kind {kind}"
        sub = {"$schema": schema["$schema"], "$defs": schema["$defs"],
               "$ref": f"#/$defs/{kind}"}
        jsonschema.validate(doc, sub)


def test_the_schema_rejects_a_misspelt_field(docs):
    # The check itself can fail: a typo the cluster would silently ignore is refused here.
    schema = yaml.safe_load((HERE / "k8s-schema.yaml").read_text())
    _, deployment = next((n, d) for n, d in docs if d["kind"] == "Deployment")
    import copy
    bad = copy.deepcopy(deployment)
    container = bad["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(jsonschema.ValidationError, match="readinesProbe"):
        jsonschema.validate(bad, {"$defs": schema["$defs"], "$ref": "#/$defs/Deployment"})


def pods(by_kind):
    for kind in ("Deployment", "StatefulSet"):
        for name, w in by_kind.get(kind, {}).items():
            yield kind, name, w


def test_selectors_select_their_pods_and_services_reach_named_ports(by_kind):
    for kind, name, w in pods(by_kind):
        labels = w["spec"]["template"]["metadata"]["labels"]
        match = w["spec"]["selector"]["matchLabels"]
        assert match.items() <= labels.items(), f"{kind} {name}: selector does not match its pods"
    for name, svc in by_kind["Service"].items():
        targets = [w for _, _, w in pods(by_kind)
                   if svc["spec"]["selector"].items()
                   <= w["spec"]["template"]["metadata"]["labels"].items()]
        assert len(targets) == 1, f"Service {name} selects {len(targets)} workloads"
        port_names = {p.get("name") for c in targets[0]["spec"]["template"]["spec"]["containers"]
                      for p in c.get("ports", [])}
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in port_names, f"Service {name}: no port {port['targetPort']}"


def test_probes_and_scrape_annotations_point_at_cascade(by_kind):
    for kind, name, w in pods(by_kind):
        template = w["spec"]["template"]
        container = template["spec"]["containers"][0]
        assert container["readinessProbe"]["httpGet"]["path"] == "/healthz", name
        notes = template["metadata"]["annotations"]
        assert notes["prometheus.io/scrape"] == "true" and notes["prometheus.io/path"] == "/metrics"
        ports = {p["containerPort"] for p in container["ports"]}
        assert int(notes["prometheus.io/port"]) in ports, name


def test_statefulset_is_behind_a_headless_service(by_kind):
    for name, sts in by_kind["StatefulSet"].items():
        svc = by_kind["Service"][sts["spec"]["serviceName"]]
        assert svc["spec"].get("clusterIP") == "None", f"{name}: its Service is not headless"


def container_args(w):
    c = w["spec"]["template"]["spec"]["containers"][0]
    return c.get("command", []) + c.get("args", []), c


def test_broker_names_every_shard_replica_once(by_kind):
    sts = by_kind["StatefulSet"]["cascade-shard"]
    argv, _ = container_args(sts)
    shard_env = {e["name"]: e["value"] for e in
                 sts["spec"]["template"]["spec"]["containers"][0]["env"]}
    n = int(shard_env["CASCADE_SHARDS"])
    replicas = sts["spec"]["replicas"]
    assert replicas % n == 0, "every shard needs the same number of replicas"
    assert "% CASCADE_SHARDS" in argv[-1]  # pod ordinal o serves shard o mod N
    broker_argv, _ = container_args(by_kind["Deployment"]["cascade-broker"])
    spec = next(a.split("=", 1)[1] for a in broker_argv if a.startswith("--shards="))
    shards = [s.split("|") for s in spec.split(",")]
    assert len(shards) == n
    seen = []
    pattern = re.compile(r"^http://cascade-shard-(\d+)\.cascade-shard:(\d+)$")
    for s, urls in enumerate(shards):
        for url in urls:
            m = pattern.match(url)
            assert m, url
            ordinal = int(m.group(1))
            assert ordinal % n == s, f"{url} is listed under shard {s}"
            assert int(m.group(2)) == 8080
            seen.append(ordinal)
    assert sorted(seen) == list(range(replicas))
    rerank = next(a.split("=", 1)[1] for a in broker_argv if a.startswith("--rerank-url="))
    assert rerank == "http://cascade-rerank:8080" and "cascade-rerank" in by_kind["Service"]


def flags_of(argv):
    if argv and argv[0] == "/bin/sh":
        argv = ["cascade"] + shlex.split(argv[-1].split("exec cascade", 1)[1])
    assert argv[0] == "cascade", argv
    return argv[1], [a.split("=", 1)[0] for a in argv[2:] if a.startswith("--")]


@pytest.mark.skipif(not BINARY or not Path(BINARY).exists(), reason="CASCADE_BINARY not built")
def test_every_flag_exists_in_the_binary(by_kind):
    patch = yaml.safe_load((K8S / "rerank-gpu-patch.yaml").read_text())
    lines = [container_args(w)[0] for _, _, w in pods(by_kind)]
    lines.append(["cascade"] + patch["spec"]["template"]["spec"]["containers"][0]["args"])
    for argv in lines:
        command, flags = flags_of(argv)
        help_text = subprocess.run([BINARY, command, "--help"], capture_output=True,
                                   text=True).stdout
        for flag in flags:
            assert re.search(rf"(^|[\s,]){re.escape(flag)}\b", help_text), \
                f"cascade {command} has no {flag}"


def test_gpu_patch_targets_the_rerank_container(by_kind):
    patch = yaml.safe_load((K8S / "rerank-gpu-patch.yaml").read_text())
    names = {c["name"] for c in
             by_kind["Deployment"]["cascade-rerank"]["spec"]["template"]["spec"]["containers"]}
    pod = patch["spec"]["template"]["spec"]
    assert {c["name"] for c in pod["containers"]} <= names
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
