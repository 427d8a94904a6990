"""`python -m services.identity domains ingress [--apply]`: the Ingress that serves every
verified custom domain, with a certificate for each (cert-manager, HTTP-01).

It prints the manifest (JSON, which kubectl reads as well as YAML); with --apply it sends it
to the Kubernetes API itself (server-side apply, from inside the cluster with the pod's
service account), so the CronJob of deploy/k8s/components/custom-domains needs nothing but
the suite's image and a Role allowing get, create and patch of that one Ingress. With no
verified domain there is nothing to apply (an Ingress needs a rule): it says so and stops.

Settings (IDENTITY_ or plain): DOMAINS_INGRESS_NAME (gateway-domains), DOMAINS_CLUSTER_ISSUER
(letsencrypt-prod), DOMAINS_NAMESPACE (the pod's own namespace, else customer-portal)."""
from __future__ import annotations

import json
from pathlib import Path

import requests

from services.identity.queries.domains import verified_domains

ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
API = "https://kubernetes.default.svc"
FIELD_MANAGER = "portal-domains"


def _backend(service: str) -> dict:
    return {"service": {"name": service, "port": {"name": "http"}}}


def ingress_manifest(domains: list[str], name: str = "gateway-domains", namespace: str = "customer-portal",
                     issuer: str = "letsencrypt-prod") -> dict:
    """One rule and one TLS entry (its own certificate Secret) per domain, routed like the
    gateway's own Ingress: /live/ to the live channel, everything else to the gateway."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": name, "namespace": namespace,
            "labels": {"app.kubernetes.io/name": "gateway", "app.kubernetes.io/component": "gateway",
                       "app.kubernetes.io/part-of": "customer-portal",
                       "app.kubernetes.io/managed-by": FIELD_MANAGER},
            "annotations": {"cert-manager.io/cluster-issuer": issuer,
                            "nginx.ingress.kubernetes.io/ssl-redirect": "true",
                            "nginx.ingress.kubernetes.io/proxy-body-size": "101m"},
        },
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": [domain], "secretName": f"{domain.replace('.', '-')}-tls"} for domain in domains],
            "rules": [{"host": domain, "http": {"paths": [
                {"path": "/live/", "pathType": "Prefix", "backend": _backend("gateway-live")},
                {"path": "/", "pathType": "Prefix", "backend": _backend("gateway")}]}} for domain in domains],
        },
    }


def _namespace(rt) -> str:
    configured = rt.config.setting("DOMAINS_NAMESPACE")
    if configured:
        return configured
    path = ACCOUNT / "namespace"
    return path.read_text().strip() if path.exists() else "customer-portal"


def apply(manifest: dict) -> None:
    """Server-side apply: creates the Ingress the first time, replaces our fields after."""
    meta = manifest["metadata"]
    url = (f"{API}/apis/networking.k8s.io/v1/namespaces/{meta['namespace']}/ingresses/{meta['name']}"
           f"?fieldManager={FIELD_MANAGER}&force=true")
    answer = requests.patch(url, data=json.dumps(manifest), timeout=30, verify=str(ACCOUNT / "ca.crt"),
                            headers={"Content-Type": "application/apply-patch+yaml",
                                     "Authorization": f"Bearer {(ACCOUNT / 'token').read_text().strip()}"})
    answer.raise_for_status()


def domains(rt, args) -> int:
    """Custom domains: `ingress` prints (or --apply applies) the Ingress of every verified domain."""
    names = [domain for domain, _ in verified_domains(rt)]
    manifest = ingress_manifest(names, rt.config.setting("DOMAINS_INGRESS_NAME", "gateway-domains"),
                                _namespace(rt), rt.config.setting("DOMAINS_CLUSTER_ISSUER", "letsencrypt-prod"))
    if not args.apply:
        print(json.dumps(manifest, indent=2))
        return 0
    if not names:
        print("no verified domain: nothing to apply")
        return 0
    apply(manifest)
    print(f"applied Ingress {manifest['metadata']['name']} with {len(names)} domain(s)")
    return 0


def _arguments(parser) -> None:
    parser.add_argument("action", choices=["ingress"])
    parser.add_argument("--apply", action="store_true", help="apply it in the cluster (server-side apply)")


domains.arguments = _arguments
