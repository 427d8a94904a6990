"""Orgs' own domains on Kubernetes: the Ingress identity's command generates for the verified
ones (valid for Kubernetes, one rule and one certificate per domain, the gateway's routes),
the cert-manager ClusterIssuer it names (Let's Encrypt, HTTP-01), and the prod CronJob that
applies it with a Role limited to that one Ingress."""
from __future__ import annotations

from services.identity.api.domains_cli import ingress_manifest
from tests.deploy.test_k8s import (K8S, KUBE_VERSION, dev, env_value, kubernetes_validate, named, of_kind,  # noqa: F401
                                   prod, yaml)  # noqa: F401 - dev and prod are fixtures

DOMAINS = ["portal.acme.example", "customers.globex.example"]


def cluster_issuer() -> dict:
    return yaml.safe_load((K8S / "cluster" / "cluster-issuer.yaml").read_text())


def test_the_generated_ingress_is_valid_with_a_rule_and_a_certificate_per_domain():
    manifest = ingress_manifest(DOMAINS)
    kubernetes_validate.validate(manifest, KUBE_VERSION, strict=True)
    assert [rule["host"] for rule in manifest["spec"]["rules"]] == DOMAINS
    assert manifest["spec"]["tls"] == [{"hosts": ["portal.acme.example"], "secretName": "portal-acme-example-tls"},
                                       {"hosts": ["customers.globex.example"],
                                        "secretName": "customers-globex-example-tls"}]
    assert manifest["spec"]["ingressClassName"] == "nginx"
    assert manifest["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == cluster_issuer()["metadata"]["name"]


def test_the_generated_ingress_routes_like_the_gateways_own(prod):  # noqa: F811
    ours = named(prod, "Ingress", "gateway")["spec"]["rules"][0]["http"]["paths"]
    for rule in ingress_manifest(DOMAINS, namespace="customer-portal")["spec"]["rules"]:
        assert rule["http"]["paths"] == ours
    services = {d["metadata"]["name"] for d in of_kind(prod, "Service")}
    assert {"gateway", "gateway-live"} <= services


def test_the_cluster_issuer_is_lets_encrypt_over_http01_on_nginx(prod):  # noqa: F811
    issuer = cluster_issuer()
    assert (issuer["apiVersion"], issuer["kind"]) == ("cert-manager.io/v1", "ClusterIssuer")
    assert issuer["spec"]["acme"]["server"] == "https://acme-v02.api.letsencrypt.org/directory"
    [solver] = issuer["spec"]["acme"]["solvers"]
    assert solver["http01"]["ingress"]["ingressClassName"] == "nginx"
    gateway = named(prod, "Ingress", "gateway")
    assert gateway["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == issuer["metadata"]["name"]


def test_prod_applies_it_from_a_cronjob_that_may_touch_that_one_ingress_only(prod):  # noqa: F811
    job = named(prod, "CronJob", "domains-ingress")
    kubernetes_validate.validate(job, KUBE_VERSION, strict=True)
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    [app] = pod["containers"]
    assert app["command"] == ["python", "-m", "services.identity", "domains", "ingress", "--apply"]
    assert env_value(app, "DOMAINS_CLUSTER_ISSUER") == cluster_issuer()["metadata"]["name"]
    assert pod["serviceAccountName"] == "domains-ingress" and pod["automountServiceAccountToken"] is True
    assert app["securityContext"]["readOnlyRootFilesystem"] is True
    assert app["securityContext"]["allowPrivilegeEscalation"] is False
    assert app["resources"]["limits"] and app["resources"]["requests"]
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    database = named(prod, "NetworkPolicy", "postgres-from-domains-ingress")["spec"]
    assert database["podSelector"] == {"matchLabels": {"cnpg.io/cluster": "portal-pg"}}
    pod_labels = job["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    assert database["ingress"][0]["from"][0]["podSelector"]["matchLabels"].items() <= pod_labels.items()

    role = named(prod, "Role", "domains-ingress")
    assert role["rules"] == [{"apiGroups": ["networking.k8s.io"], "resources": ["ingresses"],
                              "resourceNames": ["gateway-domains"], "verbs": ["get", "create", "patch"]}]
    binding = named(prod, "RoleBinding", "domains-ingress")
    assert binding["roleRef"]["name"] == "domains-ingress"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "domains-ingress", "namespace": "customer-portal"}]
    # every other pod of the suite still has no token
    tokens = [d["metadata"]["name"] for d in of_kind(prod, "Deployment")
              if d["spec"]["template"]["spec"].get("automountServiceAccountToken") is not False]
    assert tokens == []


def test_dev_has_no_cronjob_nor_kubernetes_api_rights(dev):  # noqa: F811
    assert not of_kind(dev, "CronJob") and not of_kind(dev, "Role")
