"""The Kubernetes deployment (deploy/k8s): every overlay renders with kubectl's
built-in kustomize, every object is valid against its schema, and the rendered
manifests hold the properties a reviewer of a production deployment checks.

Built-in objects are validated by kubernetes-validate (strict: unknown fields
fail) for Kubernetes KUBE_VERSION. Custom resources (Strimzi, CloudNativePG,
Prometheus Operator) are validated with jsonschema against the CRD schemas
vendored in deploy/k8s/crds/, made strict the way the API server's field
validation is: a field the schema does not declare is an error.
"""
from __future__ import annotations

import base64
import copy
import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

try:
    import jsonschema
    import kubernetes_validate
    import yaml
except ImportError as exc:          # CI must have them: fail there, skip elsewhere
    if os.environ.get("CI"):
        raise
    pytest.skip(f"{exc.name} is not installed: pip install kubernetes-validate==1.37.0 "
                "jsonschema==4.26.0 PyYAML==6.0.4", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
KUBE_VERSION = "1.33.0"

SERVICES = ("identity", "billing", "orders", "support", "documents", "notifications")
HTTP_COMPONENTS = ("gateway", "web")                 # gunicorn
PROCESS_COMPONENTS = ("gateway", "live", "web", "worker")
OVERLAYS = ("dev", "prod")
CUSTOM_GROUPS = ("kafka.strimzi.io", "postgresql.cnpg.io", "monitoring.coreos.com")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job")
PART_OF = {"app.kubernetes.io/part-of": "customer-portal"}

# Secrets that production does not render: an external secret manager creates
# them (deploy/k8s/README.md, "Secrets"). Anything else referenced must render.
PROD_EXTERNAL_SECRETS = {f"portal-{s}-db" for s in SERVICES} | {"portal-internal-token", "portal-token-signing",
                                                             "portal-s3", "portal-gateway", "portal-billing",
                                                             "portal-identity", "portal-notifications"}


# -- rendering ------------------------------------------------------------------------

@functools.cache
def _render(relative: str) -> tuple[dict, ...]:
    proc = subprocess.run(["kubectl", "kustomize", str(K8S / relative)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"kubectl kustomize {relative} failed:\n{proc.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(proc.stdout) if doc)


def render(relative: str) -> list[dict]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not on PATH: it renders the overlays (`kubectl kustomize`, "
                    "kustomize is built in); install kubectl to run the deployment tests")
    return copy.deepcopy(list(_render(relative)))


@pytest.fixture(params=OVERLAYS)
def overlay(request) -> tuple[str, list[dict]]:
    return request.param, render(f"overlays/{request.param}")


@pytest.fixture
def prod() -> list[dict]:
    return render("overlays/prod")


@pytest.fixture
def dev() -> list[dict]:
    return render("overlays/dev")


def of_kind(docs, kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def named(docs, kind: str, name: str) -> dict:
    found = [d for d in of_kind(docs, kind) if d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name!r}, found {len(found)}"
    return found[0]


def generated(docs, kind: str, name: str) -> dict:
    """A ConfigMap or Secret from a kustomize generator (its name gets a hash suffix)."""
    found = [d for d in of_kind(docs, kind)
             if re.fullmatch(re.escape(name) + r"(-[a-z0-9]{10})?", d["metadata"]["name"])]
    assert len(found) == 1, f"expected one {kind} {name!r}, found {len(found)}"
    return found[0]


def is_custom(doc: dict) -> bool:
    return doc["apiVersion"].split("/")[0] in CUSTOM_GROUPS


def labels(doc: dict) -> dict:
    return doc["metadata"].get("labels") or {}


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: dict) -> dict:
    return workload["spec"]["template"]["metadata"].get("labels") or {}


def containers(workload: dict, init: bool = True) -> list[dict]:
    spec = pod_spec(workload)
    return (spec.get("initContainers", []) if init else []) + spec["containers"]


def processes(docs, *components: str) -> list[dict]:
    """The Deployments of the suite's own processes (gateway, web, worker)."""
    components = components or PROCESS_COMPONENTS
    return [d for d in of_kind(docs, "Deployment")
            if labels(d).get("app.kubernetes.io/component") in components]


def env_value(container: dict, name: str):
    for item in container.get("env", []):
        if item["name"] == name:
            return item.get("value", item.get("valueFrom"))
    return None


def selects(selector: dict, pod: dict) -> bool:
    """Kubernetes label-selector semantics (matchLabels AND matchExpressions)."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if pod.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and pod.get(key) not in values:
            return False
        if op == "NotIn" and pod.get(key) in values:
            return False
        if op == "Exists" and key not in pod:
            return False
        if op == "DoesNotExist" and key in pod:
            return False
    return True


_QUANTITY = re.compile(r"^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$")
_FACTOR = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
           "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def quantity(value) -> float:
    match = _QUANTITY.match(str(value))
    assert match, f"not a Kubernetes quantity: {value!r}"
    return float(match.group(1)) * _FACTOR[match.group(2)]


# -- schema validation ----------------------------------------------------------------

def _strict(schema: dict, *, root: bool = False) -> dict:
    """A CRD's structural OpenAPI v3 schema as a JSON Schema that, like the API
    server's strict field validation, rejects fields the schema does not declare
    (unless it preserves unknown fields, as Kafka `config` does)."""
    schema = dict(schema)
    preserve = schema.pop("x-kubernetes-preserve-unknown-fields", False)
    if schema.pop("x-kubernetes-int-or-string", False) and "anyOf" not in schema:
        schema["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if schema.pop("nullable", False) and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    for key in [k for k in schema if k.startswith("x-kubernetes-")]:
        del schema[key]                      # list/map types, CEL rules: not checkable here
    if "properties" in schema:
        schema["properties"] = {
            name: ({"type": "object"} if root and name == "metadata" else _strict(sub))
            for name, sub in schema["properties"].items()}
    if "items" in schema:
        schema["items"] = _strict(schema["items"])
    if isinstance(schema.get("additionalProperties"), dict):
        schema["additionalProperties"] = _strict(schema["additionalProperties"])
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            schema[key] = [_strict(sub) for sub in schema[key]]
    if schema.get("type") == "object" and not preserve and "additionalProperties" not in schema:
        schema["additionalProperties"] = False
    return schema


@functools.cache
def crd_schemas() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> strict JSON Schema, from deploy/k8s/crds/*.yaml."""
    schemas = {}
    for path in sorted((K8S / "crds").glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            schema = _strict(version["schema"]["openAPIV3Schema"], root=True)
            schemas[(f"{group}/{version['name']}", kind)] = schema
    return schemas


def custom_resource_errors(doc: dict) -> list[str]:
    schema = crd_schemas().get((doc["apiVersion"], doc["kind"]))
    if schema is None:
        return [f"no vendored CRD schema for {doc['apiVersion']} {doc['kind']} in deploy/k8s/crds"]
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in validator.iter_errors(doc)]


def where(doc: dict) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"


@pytest.mark.parametrize("target", ["base", "overlays/dev", "overlays/prod"])
def test_every_builtin_object_is_valid_for_kubernetes(target):
    errors = []
    for doc in render(target):
        if is_custom(doc):
            continue
        try:
            kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{where(doc)}: {'/'.join(map(str, exc.path))}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError:
            errors.append(f"{where(doc)}: {doc['apiVersion']} is not an API of Kubernetes {KUBE_VERSION}")
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("target", ["base", "overlays/dev", "overlays/prod"])
def test_every_custom_resource_matches_its_crd(target):
    errors = [f"{where(doc)}: {error}"
              for doc in render(target) if is_custom(doc)
              for error in custom_resource_errors(doc)]
    assert not errors, "\n".join(errors)


def test_custom_resource_validation_is_strict(prod):
    """The CR validation would catch a typo or a wrong type (it is not vacuous)."""
    topic = next(d for d in of_kind(prod, "KafkaTopic"))
    assert custom_resource_errors(topic) == []
    typo = copy.deepcopy(topic)
    typo["spec"]["partiton"] = 4
    assert custom_resource_errors(typo)
    wrong_type = copy.deepcopy(topic)
    wrong_type["spec"]["partitions"] = "four"
    assert custom_resource_errors(wrong_type)
    cluster = copy.deepcopy(named(prod, "Cluster", "portal-pg"))
    cluster["spec"]["managed"]["roles"][0]["passwordSecrett"] = {"name": "x"}
    assert custom_resource_errors(cluster)


def test_vendored_crds_are_valid_crds():
    paths = sorted((K8S / "crds").glob("*.yaml"))
    kinds = set()
    for path in paths:
        crd = yaml.safe_load(path.read_text())
        kubernetes_validate.validate(crd, KUBE_VERSION, strict=True)
        text = path.read_text()
        assert "Vendored" in text and "at commit" in text, f"{path.name}: say where it comes from"
        kinds.add(crd["spec"]["names"]["kind"])
    assert kinds == {"Kafka", "KafkaNodePool", "KafkaTopic", "Cluster", "Database",
                     "ServiceMonitor", "PodMonitor", "PrometheusRule"}


# -- naming and labels ----------------------------------------------------------------

DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def test_names_and_labels_are_well_formed(overlay):
    _, docs = overlay
    for doc in docs:
        name = doc["metadata"]["name"]
        assert DNS_SUBDOMAIN.match(name) and len(name) <= 253, where(doc)
        if doc["kind"] in ("Service", "Namespace"):
            assert DNS_LABEL.match(name) and len(name) <= 63, f"{where(doc)}: not a DNS label"
        for key, value in labels(doc).items():
            assert LABEL_VALUE.match(value) and len(value) <= 63, f"{where(doc)}: label {key}={value}"
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "customer-portal", where(doc)


def test_every_object_carries_the_common_labels(overlay):
    _, docs = overlay
    for doc in docs:
        assert PART_OF.items() <= labels(doc).items(), f"{where(doc)}: no part-of label"
    for workload in [d for d in docs if d["kind"] in WORKLOAD_KINDS]:
        for where_, lbls in (("metadata", labels(workload)), ("pod template", pod_labels(workload))):
            for key in ("app.kubernetes.io/name", "app.kubernetes.io/component",
                        "app.kubernetes.io/part-of"):
                assert key in lbls, f"{where(workload)}: {where_} lacks {key}"
        selector = workload["spec"].get("selector")
        if selector:
            assert selects(selector, pod_labels(workload)), f"{where(workload)}: selector"


# -- pods -------------------------------------------------------------------------------

def test_every_container_is_hardened_and_bounded(overlay):
    """Non-root, read-only root filesystem (with a writable /tmp), no privilege
    escalation, no capabilities, RuntimeDefault seccomp, requests and limits."""
    _, docs = overlay
    workloads = [d for d in docs if d["kind"] in WORKLOAD_KINDS]
    assert workloads
    for workload in workloads:
        spec = pod_spec(workload)
        pod_sc = spec.get("securityContext", {})
        assert spec.get("automountServiceAccountToken") is False, where(workload)
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            assert not spec.get(key), f"{where(workload)}: {key}"
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for c in containers(workload):
            at = f"{where(workload)} container {c['name']}"
            sc = c.get("securityContext", {})
            assert sc.get("allowPrivilegeEscalation") is False, at
            assert sc.get("readOnlyRootFilesystem") is True, at
            assert "ALL" in sc.get("capabilities", {}).get("drop", []), at
            assert not sc.get("capabilities", {}).get("add"), at
            assert not sc.get("privileged"), at
            assert sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, at
            assert sc.get("runAsUser", pod_sc.get("runAsUser", 1)) != 0, at
            seccomp = sc.get("seccompProfile", pod_sc.get("seccompProfile", {}))
            assert seccomp.get("type") == "RuntimeDefault", at
            resources = c.get("resources", {})
            for kind in ("cpu", "memory"):
                request = resources.get("requests", {}).get(kind)
                limit = resources.get("limits", {}).get(kind)
                assert request is not None and limit is not None, f"{at}: {kind} request and limit"
                assert quantity(request) <= quantity(limit), f"{at}: {kind} request > limit"
            tmp = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
            assert tmp and "emptyDir" in volumes[tmp[0]["name"]], f"{at}: no writable /tmp"
            for port in c.get("ports", []):
                assert "hostPort" not in port, at


def test_every_long_running_container_has_probes(overlay):
    _, docs = overlay
    for workload in [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]:
        for c in containers(workload, init=False):
            at = f"{where(workload)} container {c['name']}"
            port_names = {p["name"] for p in c.get("ports", []) if "name" in p}
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert probe in c, f"{at}: no {probe}"
                port = c[probe].get("httpGet", {}).get("port")
                if isinstance(port, str):
                    assert port in port_names, f"{at}: {probe} uses undeclared port {port}"


def test_http_processes_probe_their_health_endpoints(overlay):
    _, docs = overlay
    for d in processes(docs, *HTTP_COMPONENTS):
        app = containers(d, init=False)[0]
        assert app["livenessProbe"]["httpGet"]["path"] == "/healthz", where(d)
        assert app["startupProbe"]["httpGet"]["path"] == "/healthz", where(d)
        assert app["readinessProbe"]["httpGet"]["path"] == "/readyz", where(d)
        assert {"name": "http", "containerPort": 8000, "protocol": "TCP"} in app["ports"], where(d)
        assert env_value(app, "PORT") == "8000", where(d)


def _gunicorn_graceful_timeout() -> int:
    text = (ROOT / "services" / "chassis" / "gunicorn_conf.py").read_text()
    match = re.search(r"^graceful_timeout\s*=\s*(\d+)", text, re.M)
    assert match, "graceful_timeout not found in services/chassis/gunicorn_conf.py"
    return int(match.group(1))


def test_processes_stop_gracefully(overlay):
    """Workers get SIGTERM themselves (exec form, no shell) and >= 30 s to flush
    and commit; gunicorn's graceful timeout plus the preStop pause fits the grace period."""
    _, docs = overlay
    workers = processes(docs, "worker")
    assert len(workers) == len(SERVICES)
    for d in workers:
        name = labels(d)["app.kubernetes.io/name"]
        assert pod_spec(d)["terminationGracePeriodSeconds"] >= 30, where(d)
        app = containers(d, init=False)[0]
        assert app["command"] == ["python", "-m", f"services.{name}", "worker"], where(d)
        assert not app.get("args"), where(d)
    graceful = _gunicorn_graceful_timeout()
    for d in processes(docs, *HTTP_COMPONENTS):
        app = containers(d, init=False)[0]
        assert app["command"][0] == "gunicorn", where(d)
        pause = app.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        pause_s = int(pause[1]) if pause[:1] == ["sleep"] else 0
        grace = pod_spec(d).get("terminationGracePeriodSeconds", 30)
        assert pause_s + graceful < grace, f"{where(d)}: {pause_s}+{graceful} s >= {grace} s"


# -- the suite --------------------------------------------------------------------------

def test_every_service_has_web_service_worker_and_migrations(overlay):
    _, docs = overlay
    db_secrets = set()
    for svc in SERVICES:
        web = named(docs, "Deployment", svc)
        worker = named(docs, "Deployment", f"{svc}-worker")
        service = named(docs, "Service", svc)
        assert labels(web)["app.kubernetes.io/component"] == "web"
        assert labels(worker)["app.kubernetes.io/component"] == "worker"
        assert containers(web, init=False)[0]["command"] == [
            "gunicorn", "-c", "python:services.chassis.gunicorn_conf", f"services.{svc}.app:create_app()"]
        # The Service reaches the web pods, and only them.
        assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels(web))
        assert not selects({"matchLabels": service["spec"]["selector"]}, pod_labels(worker))
        assert service["spec"]["ports"] == [
            {"name": "http", "port": 8000, "targetPort": "http", "protocol": "TCP"}]
        # Both processes migrate first; each service has its own database secret.
        for d in (web, worker):
            init = pod_spec(d)["initContainers"]
            assert [c["name"] for c in init] == ["migrate"], where(d)
            assert init[0]["command"] == ["python", "-m", f"services.{svc}", "migrate"]
            for c in (init[0], containers(d, init=False)[0]):
                ref = env_value(c, "DATABASE_URL")["secretKeyRef"]
                assert re.fullmatch(rf"portal-{svc}-db(-[a-z0-9]{{10}})?", ref["name"]), where(d)
                assert ref["key"] == "DATABASE_URL"
                db_secrets.add(ref["name"])
    assert len(db_secrets) == len(SERVICES), "services must not share a database secret"
    gateway = named(docs, "Deployment", "gateway")
    assert containers(gateway, init=False)[0]["command"][-1] == "gateway.app:create_app()"
    assert env_value(containers(gateway, init=False)[0], "DATABASE_URL") is None
    named(docs, "Service", "gateway")


def test_only_documents_gets_object_storage_credentials(overlay):
    _, docs = overlay
    for d in processes(docs):
        app = containers(d, init=False)[0]
        has_s3 = env_value(app, "S3_SECRET_KEY") is not None
        assert has_s3 == (labels(d)["app.kubernetes.io/name"] == "documents"), where(d)


def test_only_identity_can_sign_internal_tokens_and_every_process_can_check_them(overlay):
    _, docs = overlay
    for d in processes(docs):
        app = containers(d, init=False)[0]
        signs = env_value(app, "INTERNAL_TOKEN_PRIVATE_KEY") is not None
        assert signs == (labels(d)["app.kubernetes.io/name"] == "identity"), where(d)
        assert env_value(app, "INTERNAL_TOKEN_PUBLIC_KEYS") is not None, where(d)


def test_shared_config_is_complete_and_not_secret(overlay):
    _, docs = overlay
    config = generated(docs, "ConfigMap", "portal-config")["data"]
    for key in ("KAFKA_BOOTSTRAP", "S3_ENDPOINT", "S3_BUCKET", "SMTP_HOST", "SMTP_PORT",
                "LOG_LEVEL", "WEB_CONCURRENCY", "TOPIC_PARTITIONS", "TOPIC_REPLICAS"):
        assert config.get(key), f"portal-config lacks {key}"
    for svc in SERVICES:
        assert config[f"SERVICE_URL_{svc.upper()}"] == f"http://{svc}:8000"
    for cm in of_kind(docs, "ConfigMap"):
        for key in cm.get("data", {}):
            assert not re.search(r"PASSWORD|SECRET|TOKEN|ACCESS_KEY", key, re.I), f"{where(cm)}: {key}"
    kafka = of_kind(docs, "Kafka")
    assert len(kafka) == 1
    host, port = config["KAFKA_BOOTSTRAP"].split(":")
    assert host == f"{kafka[0]['metadata']['name']}-kafka-bootstrap"
    plain = [lst for lst in kafka[0]["spec"]["kafka"]["listeners"] if lst["port"] == int(port)]
    assert plain and plain[0]["tls"] is False and plain[0]["type"] == "internal"
    assert int(config["TOPIC_PARTITIONS"]) == 4


def test_references_resolve(overlay):
    """Every ConfigMap, Secret, claim, Service and Deployment a manifest names is
    rendered, except the production Secrets an external secret manager provides."""
    name_, docs = overlay
    present = {(d["kind"], d["metadata"]["name"]) for d in docs}
    external = PROD_EXTERNAL_SECRETS if name_ == "prod" else set()
    missing = []

    def need(kind, name, at):
        if (kind, name) not in present and not (kind == "Secret" and name in external):
            missing.append(f"{at} -> {kind} {name}")

    for w in [d for d in docs if d["kind"] in WORKLOAD_KINDS]:
        at = where(w)
        for c in containers(w):
            for src in c.get("envFrom", []):
                if "configMapRef" in src:
                    need("ConfigMap", src["configMapRef"]["name"], at)
                if "secretRef" in src:
                    need("Secret", src["secretRef"]["name"], at)
            for item in c.get("env", []):
                ref = item.get("valueFrom", {})
                if "configMapKeyRef" in ref:
                    need("ConfigMap", ref["configMapKeyRef"]["name"], at)
                if "secretKeyRef" in ref:
                    need("Secret", ref["secretKeyRef"]["name"], at)
        for v in pod_spec(w).get("volumes", []):
            if "configMap" in v:
                need("ConfigMap", v["configMap"]["name"], at)
            if "secret" in v:
                need("Secret", v["secret"]["secretName"], at)
            if "persistentVolumeClaim" in v:
                need("PersistentVolumeClaim", v["persistentVolumeClaim"]["claimName"], at)
        if pod_spec(w).get("serviceAccountName"):
            need("ServiceAccount", pod_spec(w)["serviceAccountName"], at)
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        need(hpa["spec"]["scaleTargetRef"]["kind"], hpa["spec"]["scaleTargetRef"]["name"], where(hpa))
    for ing in of_kind(docs, "Ingress"):
        for rule in ing["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                need("Service", path["backend"]["service"]["name"], where(ing))
    for role in [r for c in of_kind(docs, "Cluster") for r in c["spec"]["managed"]["roles"]]:
        need("Secret", role["passwordSecret"]["name"], "Cluster managed role " + role["name"])
    assert not missing, "\n".join(missing)
    if name_ == "prod":
        readme = (K8S / "README.md").read_text()
        for secret in PROD_EXTERNAL_SECRETS:
            assert secret in readme or "portal-<service>-db" in readme, f"README: {secret}"


def test_services_select_exactly_one_workload(overlay):
    _, docs = overlay
    workloads = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]
    for svc in of_kind(docs, "Service"):
        selector = {"matchLabels": svc["spec"]["selector"]}
        matched = [w for w in workloads if selects(selector, pod_labels(w))]
        assert len(matched) == 1, f"{where(svc)} selects {[where(w) for w in matched]}"
        ports = {p.get("name") for c in containers(matched[0], init=False) for p in c.get("ports", [])}
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in ports, f"{where(svc)}: targetPort {port['targetPort']}"


def test_one_image_for_every_process(overlay):
    name_, docs = overlay
    images = {c["image"] for d in processes(docs) for c in containers(d)}
    assert len(images) == 1, images
    image = images.pop()
    repository, _, tag = image.rpartition(":")
    assert repository.endswith("customer-portal") and tag and tag != "latest", image
    assert (tag == "dev") == (name_ == "dev"), image
    for d in [d for d in docs if d["kind"] in WORKLOAD_KINDS]:
        for c in containers(d):
            assert ":" in c["image"].rsplit("/", 1)[-1], f"{where(d)}: untagged image {c['image']}"
            assert not c["image"].endswith(":latest"), where(d)


# -- secrets ----------------------------------------------------------------------------

def test_prod_renders_no_secret_values(prod):
    for secret in of_kind(prod, "Secret"):
        assert not secret.get("data") and not secret.get("stringData"), where(secret)
    text = yaml.safe_dump_all(prod)
    assert "dev-only" not in text


def test_dev_secrets_are_obviously_for_development(dev):
    secrets = of_kind(dev, "Secret")
    assert secrets
    for secret in secrets:
        values = [base64.b64decode(v).decode() for v in secret.get("data", {}).values()]
        assert values, where(secret)
        for value in values:
            if value in SERVICES or value == "postgres":      # user names
                continue
            assert "dev-only" in value, f"{where(secret)}: {value!r} does not look like a dev value"
    for svc in SERVICES:
        secret = generated(dev, "Secret", f"portal-{svc}-db")
        data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
        assert data["username"] == svc
        assert data["DATABASE_URL"] == (
            f"postgresql+psycopg://{svc}:{data['password']}@postgres:5432/{svc}")


# -- Kafka ------------------------------------------------------------------------------

def _topic_name(topic: dict) -> str:
    return topic["spec"].get("topicName", topic["metadata"]["name"])


def test_every_service_has_a_topic_and_a_dead_letter_topic(overlay):
    name_, docs = overlay
    topics = {_topic_name(t): t for t in of_kind(docs, "KafkaTopic")}
    expected = {f"portal.{s}.v1" for s in SERVICES} | {f"portal.{s}.v1.dlq" for s in SERVICES}
    assert set(topics) == expected
    cluster = of_kind(docs, "Kafka")[0]["metadata"]["name"]
    brokers = sum(p["spec"]["replicas"] for p in of_kind(docs, "KafkaNodePool")
                  if "broker" in p["spec"]["roles"])
    for name, topic in topics.items():
        spec, config = topic["spec"], topic["spec"]["config"]
        assert labels(topic)["strimzi.io/cluster"] == cluster, name
        assert spec["partitions"] == 4, name
        assert str(config["unclean.leader.election.enable"]).lower() == "false", name
        assert int(config["min.insync.replicas"]) < spec["replicas"] or spec["replicas"] == 1, name
        assert spec["replicas"] <= brokers, name
        if name_ == "prod":
            assert spec["replicas"] == 3, name
            assert int(config["min.insync.replicas"]) == 2, name
    dlq = topics["portal.billing.v1.dlq"]["spec"]["config"]
    assert int(dlq["retention.ms"]) > int(topics["portal.billing.v1"]["spec"]["config"]["retention.ms"])


def test_kafka_runs_in_kraft_mode_with_node_pools(overlay):
    name_, docs = overlay
    (kafka,) = of_kind(docs, "Kafka")
    annotations = kafka["metadata"].get("annotations", {})
    assert annotations.get("strimzi.io/kraft") == "enabled"
    assert annotations.get("strimzi.io/node-pools") == "enabled"
    assert "zookeeper" not in kafka["spec"]
    pools = of_kind(docs, "KafkaNodePool")
    for pool in pools:
        assert labels(pool)["strimzi.io/cluster"] == kafka["metadata"]["name"]
    controllers = sum(p["spec"]["replicas"] for p in pools if "controller" in p["spec"]["roles"])
    brokers = sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"])
    assert controllers % 2 == 1, "a KRaft quorum needs an odd number of controllers"
    config = kafka["spec"]["kafka"]["config"]
    assert str(config["unclean.leader.election.enable"]).lower() == "false"
    assert str(config["auto.create.topics.enable"]).lower() == "false"
    assert "topicOperator" in kafka["spec"]["entityOperator"]
    if name_ == "dev":
        assert (controllers, brokers) == (1, 1)
    else:
        assert controllers == 3 and brokers >= 3
        assert int(config["min.insync.replicas"]) == 2
        assert int(config["default.replication.factor"]) == 3
        assert int(config["offsets.topic.replication.factor"]) == 3
        assert int(config["transaction.state.log.min.isr"]) == 2


# -- PostgreSQL -------------------------------------------------------------------------

def test_prod_postgres_has_a_database_and_role_per_service(prod):
    (cluster,) = of_kind(prod, "Cluster")
    assert cluster["spec"]["instances"] >= 3
    roles = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
    databases = {d["spec"]["name"]: d for d in of_kind(prod, "Database")}
    assert set(roles) == set(SERVICES) == set(databases)
    for svc in SERVICES:
        assert roles[svc]["login"] is True and not roles[svc].get("superuser")
        assert roles[svc]["passwordSecret"]["name"] == f"portal-{svc}-db"
        assert databases[svc]["spec"]["owner"] == svc
        assert databases[svc]["spec"]["cluster"]["name"] == cluster["metadata"]["name"]
    assert not of_kind(prod, "StatefulSet"), "prod runs no hand-made database"


def test_dev_postgres_creates_a_database_per_service_from_their_secrets(dev):
    postgres = named(dev, "StatefulSet", "postgres")
    script = "".join(named(dev, "ConfigMap", "postgres-init")["data"].values())
    assert re.search(r"for svc in " + " ".join(SERVICES) + r"; do", script)
    assert 'CREATE DATABASE :"db" OWNER :"role"' in script
    prefixes = {src["prefix"]: src["secretRef"]["name"]
                for src in containers(postgres, init=False)[0]["envFrom"]}
    for svc in SERVICES:       # the script reads ${svc^^}_username and ${svc^^}_password
        assert re.fullmatch(rf"portal-{svc}-db-[a-z0-9]{{10}}", prefixes[f"{svc.upper()}_"])


# -- exposure ---------------------------------------------------------------------------

def test_only_the_dev_overlay_offers_the_simulated_gateway(prod, dev):
    """In production a contact's "payment" must move money: no simulated gateway."""
    prod_config = generated(prod, "ConfigMap", "portal-config")["data"]
    assert prod_config.get("BILLING_SIMULATED_GATEWAY", "off") == "off" and prod_config.get("PORTAL_ENV") != "dev"
    for d in of_kind(prod, "Deployment"):
        for c in d["spec"]["template"]["spec"]["containers"]:
            names = {e["name"]: e.get("value") for e in c.get("env", [])}
            assert names.get("BILLING_SIMULATED_GATEWAY", "off") == "off", where(d)
            assert names.get("PORTAL_ENV") != "dev", where(d)
    assert generated(dev, "ConfigMap", "portal-config")["data"]["BILLING_SIMULATED_GATEWAY"] == "on"


def test_prod_alerts_on_dead_letters_and_held_partitions(prod):
    """Dead letters wait for a person (dlq replay): someone must be told."""
    [rules] = of_kind(prod, "PrometheusRule")
    alerts = {r["alert"]: r["expr"] for g in rules["spec"]["groups"] for r in g["rules"]}
    assert "portal_dlq_depth" in alerts["PortalDeadLetters"]
    assert "portal_consumer_held_partitions" in alerts["PortalConsumerHeld"]


def test_every_process_at_its_autoscaling_maximum_fits_postgres_max_connections(prod):
    """Pool size x processes x the autoscalers' maximum replicas, per service, plus what
    the workers hold of their own (relay leader, listener) and a migration each, stays
    below max_connections with room for the operator and a person with psql."""
    config = generated(prod, "ConfigMap", "portal-config")["data"]
    most = {h["spec"]["scaleTargetRef"]["name"]: h["spec"]["maxReplicas"]
            for h in of_kind(prod, "HorizontalPodAutoscaler")}
    used, lines = 0, []
    for deployment in processes(prod):
        [app] = [c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == "app"]
        env = {**config, **{e["name"]: e.get("value") for e in app.get("env", [])}}
        if "DATABASE_URL" not in env:
            continue                                            # the gateway holds none
        name, worker = deployment["metadata"]["name"], "worker" in deployment["metadata"]["name"]
        replicas = most.get(name, deployment["spec"].get("replicas", 1))
        per_pod = 1 if worker else int(env["WEB_CONCURRENCY"])
        each = int(env["DB_POOL_SIZE"]) + int(env["DB_MAX_OVERFLOW"]) + (2 if worker else 0)
        used += replicas * per_pod * each
        lines.append(f"{name}: {replicas} x {per_pod} x {each}")
    used += len(SERVICES)                                       # a migration Job each
    [cluster] = of_kind(prod, "Cluster")
    limit = int(cluster["spec"]["postgresql"]["parameters"]["max_connections"])
    assert len(lines) == 2 * len(SERVICES)
    assert used <= limit - 10, f"{used} connections at most, max_connections {limit}:\n" + "\n".join(lines)


def test_only_the_gateway_is_exposed(overlay):
    """Every host: /live/ to the live channel (same origin as the pages), the rest to the gateway."""
    _, docs = overlay
    ingresses = of_kind(docs, "Ingress")
    assert [i["metadata"]["name"] for i in ingresses] == ["gateway"]
    for ing in ingresses:
        tls_hosts = {h for t in ing["spec"]["tls"] for h in t["hosts"]}
        for rule in ing["spec"]["rules"]:
            assert rule["host"] in tls_hosts, f"{rule['host']} has no TLS"
            routes = {p["path"]: p["backend"]["service"]["name"] for p in rule["http"]["paths"]}
            assert routes == {"/": "gateway", "/live/": "gateway-live"}, rule["host"]
    for svc in of_kind(docs, "Service"):
        assert svc["spec"].get("type", "ClusterIP") == "ClusterIP", where(svc)


# -- production availability ------------------------------------------------------------

def test_replicas_per_environment(overlay):
    """The rate limits' store runs once everywhere: its counters expire within the hour and,
    while it restarts, each gateway counts in memory (base/ratelimit-store.yaml)."""
    name_, docs = overlay
    for d in of_kind(docs, "Deployment") + of_kind(docs, "StatefulSet"):
        if d["metadata"]["name"] == "ratelimit-store":
            assert d["spec"]["replicas"] == 1, where(d)
        elif name_ == "prod":
            assert d["spec"]["replicas"] >= 2, where(d)
        else:
            assert d["spec"]["replicas"] == 1, where(d)


def test_prod_autoscales_every_http_process(prod):
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(prod, "HorizontalPodAutoscaler")}
    http = processes(prod, *HTTP_COMPONENTS, "live")
    assert {d["metadata"]["name"] for d in http} == set(hpas)
    for d in http:
        hpa = hpas[d["metadata"]["name"]]["spec"]
        assert hpa["minReplicas"] == d["spec"]["replicas"] >= 2
        assert hpa["maxReplicas"] > hpa["minReplicas"]


def test_prod_has_a_disruption_budget_for_every_process(prod):
    pdbs = of_kind(prod, "PodDisruptionBudget")
    deployments = of_kind(prod, "Deployment")
    for d in deployments:
        covering = [p for p in pdbs if selects(p["spec"]["selector"], pod_labels(d))]
        assert len(covering) == 1, f"{where(d)}: {len(covering)} PDBs"
        budget = covering[0]["spec"]
        assert budget.get("maxUnavailable", 0) == 1 or budget.get("minAvailable", 0) < d["spec"]["replicas"]
    for p in pdbs:
        assert sum(selects(p["spec"]["selector"], pod_labels(d)) for d in deployments) == 1, where(p)


def _policies_for(docs, pod: dict, direction: str) -> list[dict]:
    return [p for p in of_kind(docs, "NetworkPolicy")
            if direction in p["spec"].get("policyTypes", ["Ingress"])
            and (p["spec"]["podSelector"] == {} or selects(p["spec"]["podSelector"], pod))]


def test_prod_network_policies_deny_by_default(prod):
    for d in processes(prod):
        pod = pod_labels(d)
        for direction in ("Ingress", "Egress"):
            deny = [p for p in _policies_for(prod, pod, direction)
                    if not p["spec"].get(direction.lower())]
            assert deny, f"{where(d)}: no default-deny {direction} policy"
    (everything,) = [p for p in of_kind(prod, "NetworkPolicy") if p["spec"]["podSelector"] == {}]
    assert everything["spec"]["policyTypes"] == ["Ingress"] and not everything["spec"].get("ingress")


# Pods of the namespace that are not processes of the suite (labels as their
# operators set them), and a pod with no labels at all.
OTHER_PODS = (
    {},
    {"strimzi.io/cluster": "portal-kafka", "strimzi.io/kind": "Kafka"},
    {"cnpg.io/cluster": "portal-pg", "app.kubernetes.io/part-of": "customer-portal"},
    {"app.kubernetes.io/name": "postgres", "app.kubernetes.io/component": "database",
     "app.kubernetes.io/part-of": "customer-portal"},
)


def test_prod_network_policies_let_in_only_what_the_design_needs(prod):
    """From outside the namespace: the ingress controller to the gateway, and
    Prometheus to the metrics ports. Inside: services answer only portal processes."""
    for d in processes(prod):
        pod = pod_labels(d)
        component = pod["app.kubernetes.io/component"]
        port_names = {p["name"] for p in containers(d, init=False)[0]["ports"]}
        allowed_from, pod_peers = [], []
        for policy in _policies_for(prod, pod, "Ingress"):
            for rule in policy["spec"].get("ingress", []):
                ports = {p["port"] for p in rule.get("ports", [])}
                assert ports, f"{policy['metadata']['name']}: a rule without ports opens every port"
                assert ports & port_names, f"{policy['metadata']['name']}: no such port on {where(d)}"
                for peer in rule["from"]:
                    namespace = (peer.get("namespaceSelector") or {}).get("matchLabels", {}).get(
                        "kubernetes.io/metadata.name")
                    assert "ipBlock" not in peer, where(d)
                    if "namespaceSelector" in peer:
                        allowed_from.append(namespace)
                        if namespace == "monitoring":          # never an API (issue 14, case 15)
                            assert ports == {"metrics"}, where(d)
                        else:
                            assert namespace == "ingress-nginx" and component in ("gateway", "live"), where(d)
                    else:
                        # Same namespace: only the suite's own processes.
                        sources = peer["podSelector"]
                        pod_peers.append(sources)
                        assert sources, f"{policy['metadata']['name']}: any pod may connect"
                        for other in OTHER_PODS:
                            assert not selects(sources, other), f"{where(d)} reachable from {other}"
        if component in ("gateway", "live"):
            assert "ingress-nginx" in allowed_from
        if component == "web":       # the gateway and the other services call it
            for caller in processes(prod, "gateway", "web", "worker"):
                assert any(selects(s, pod_labels(caller)) for s in pod_peers), where(d)
        assert "monitoring" in allowed_from, f"{where(d)}: Prometheus cannot scrape it"


def test_the_live_channel_checks_grants_reads_kafka_and_nothing_else(overlay):
    """It holds the open pages' streams: the gateway's secret to check grants, the broker to
    read events; no database, no service API, no internal-token signing key; probes on its
    own health endpoints; it stops within its grace period (preStop + aiohttp's 5 s)."""
    name_, docs = overlay
    live = named(docs, "Deployment", "gateway-live")
    app = containers(live, init=False)[0]
    assert app["command"] == ["python", "-m", "gateway.live"]
    assert env_value(app, "GATEWAY_SECRET_KEY")["secretKeyRef"]["name"].startswith("portal-gateway")
    assert env_value(app, "DATABASE_URL") is None and env_value(app, "INTERNAL_TOKEN_PRIVATE_KEY") is None
    assert env_value(app, "BIND") == "0.0.0.0:8000"
    assert {"name": "http", "containerPort": 8000, "protocol": "TCP"} in app["ports"]
    assert app["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert app["readinessProbe"]["httpGet"]["path"] == "/readyz"
    pause = app["lifecycle"]["preStop"]["exec"]["command"]
    assert int(pause[1]) + 5 < pod_spec(live)["terminationGracePeriodSeconds"]
    selector = named(docs, "Service", "gateway-live")["spec"]["selector"]
    assert selects({"matchLabels": selector}, pod_labels(live))
    if name_ == "prod":
        pod = pod_labels(live)
        for policy in _policies_for(docs, pod, "Egress"):
            for rule in policy["spec"].get("egress", []):
                assert {p["port"] for p in rule.get("ports", [])} <= {53, 9092}, policy["metadata"]["name"]
        [kafka] = of_kind(docs, "Kafka")
        [plain] = [listener for listener in kafka["spec"]["kafka"]["listeners"] if listener["name"] == "plain"]
        assert any(selects(peer["podSelector"], pod) for peer in plain["networkPolicyPeers"])


def test_only_the_gateway_counts_in_the_ratelimit_store(overlay):
    """Every gateway replica counts its rate limits in the one store (issue 14, item 15); in
    production nothing else may connect to it and it connects to nothing."""
    name_, docs = overlay
    store = pod_labels(named(docs, "Deployment", "ratelimit-store"))
    service = named(docs, "Service", "ratelimit-store")
    assert selects({"matchLabels": service["spec"]["selector"]}, store)
    gateway = containers(named(docs, "Deployment", "gateway"), init=False)[0]
    assert env_value(gateway, "GATEWAY_RATELIMIT_STORAGE") == "redis://ratelimit-store:6379/0"
    if name_ != "prod":
        return
    peers = [peer["podSelector"] for policy in _policies_for(docs, store, "Ingress")
             for rule in policy["spec"].get("ingress", []) for peer in rule["from"]]
    assert peers and all(set(p.get("matchLabels", {}).items()) == {("app.kubernetes.io/component", "gateway")}
                         for p in peers)
    for process in processes(docs, "live", "web", "worker"):
        assert not any(selects(p, pod_labels(process)) for p in peers), where(process)
    assert all(not policy["spec"].get("egress") for policy in _policies_for(docs, store, "Egress"))
    assert _policies_for(docs, store, "Egress"), "the store may open connections"
    reaches = [rule for policy in _policies_for(docs, pod_labels(named(docs, "Deployment", "gateway")), "Egress")
               for rule in policy["spec"].get("egress", [])
               if any(selects(to.get("podSelector"), store) for to in rule["to"])]
    assert reaches and all({p["port"] for p in rule["ports"]} == {6379} for rule in reaches)


def test_prod_gateway_never_reaches_the_data_stores(prod):
    gateway = pod_labels(named(prod, "Deployment", "gateway"))
    for policy in _policies_for(prod, gateway, "Egress"):
        for rule in policy["spec"].get("egress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            assert not ports & {5432, 9092}, policy["metadata"]["name"]


def test_prod_scrapes_every_metrics_endpoint(prod):
    """Every process, on its metrics port (the port the network policy opens to Prometheus)."""
    pod_monitors = of_kind(prod, "PodMonitor")
    assert of_kind(prod, "ServiceMonitor") == []
    for process in processes(prod, "gateway", "live", "web", "worker"):
        scraped = [m for m in pod_monitors if selects(m["spec"]["selector"], pod_labels(process))]
        assert scraped, f"{where(process)}: no PodMonitor"
        container = containers(process, init=False)[0]
        assert {"name": "METRICS_PORT", "value": "9000"} in container["env"], where(process)
        ports = {p["name"] for p in container["ports"]}
        for m in scraped:
            for endpoint in m["spec"]["podMetricsEndpoints"]:
                assert endpoint["port"] == "metrics" and "metrics" in ports and endpoint["path"] == "/metrics"


# -- image and documentation ------------------------------------------------------------

def test_dockerfile_builds_a_non_root_image_without_registry_urls():
    text = (DEPLOY / "Dockerfile").read_text()
    code = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    froms = [line.split()[1] for line in code if line.startswith("FROM ")]
    assert froms and all(image == "python:3.11-slim" for image in froms), froms
    assert any(re.search(r"pip install \.(\s|$)", line) for line in code)
    user = [line.split()[1] for line in code if line.startswith("USER ")]
    assert user and user[-1].split(":")[0] == "10001", "numeric non-root USER matching runAsUser"
    for line in code:
        assert not re.search(r"https?://|--(extra-)?index-url|--trusted-host", line), line
    cmd = [line for line in code if line.startswith(("CMD", "ENTRYPOINT"))]
    assert cmd and all(re.match(r"(CMD|ENTRYPOINT) \[", line) for line in cmd), "exec form only"


def test_readme_explains_render_apply_overlays_secrets_and_migrations():
    readme = (K8S / "README.md").read_text()
    for needle in ("kubectl kustomize", "kubectl apply", "overlays/dev", "overlays/prod",
                   "components/network-policies", "components/autoscaling", "components/pdb",
                   "components/monitoring", "secretGenerator", "portal-internal-token",
                   "portal-s3", "migrate", "crds/"):
        assert needle in readme, f"README.md does not mention {needle}"
