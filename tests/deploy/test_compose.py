"""docker-compose.yaml cannot run here (no Docker engine): validate it statically."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def _compose():
    return yaml.safe_load((REPO / "docker-compose.yaml").read_text())


def test_services_of_the_deployment():
    services = _compose()["services"]
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                 "airflow-worker", "airflow-init", "airflow-db", "redis", "warehouse-db"):
        assert name in services, name
    assert services["airflow-apiserver"]["command"] == "api-server"
    assert services["airflow-worker"]["command"] == "celery worker"
    assert services["airflow-worker"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"


def test_depends_on_targets_exist_and_use_healthchecks():
    services = _compose()["services"]
    for name, svc in services.items():
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], f"{dep} has no healthcheck"


def test_no_secret_in_the_file():
    text = (REPO / "docker-compose.yaml").read_text()
    for match in re.finditer(r"^\s*[A-Z_]*(PASSWORD|SECRET|FERNET_KEY|PII_KEY)[A-Z_]*:\s*(\S+)", text, re.MULTILINE):
        value = match.group(2)
        assert value.startswith("${"), f"{match.group(0)} is not taken from the environment"
    assert not (REPO / ".env").exists() or ".env" in (REPO / ".gitignore").read_text()


def test_airflow_image_matches_the_locked_version():
    docker = (REPO / "Dockerfile").read_text()
    lock = (REPO / "uv.lock").read_text()
    m = re.search(r'name = "apache-airflow"\nversion = "([^"]+)"', lock)
    assert m and f"apache/airflow:{m.group(1)}-python3.11" in docker
    assert "--frozen" in docker


def test_mounted_folders_exist():
    common = _compose()["x-airflow-common"]
    for vol in common["volumes"]:
        host = vol.split(":")[0]
        if host.startswith("./"):
            assert (REPO / host).exists(), host


def test_hardened_for_production():
    compose = _compose()
    env = compose["x-airflow-common"]["environment"]
    services = compose["services"]
    assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("fab_auth_manager.FabAuthManager")
    assert env["AIRFLOW__API__SECRET_KEY"].startswith("${")
    assert re.fullmatch(r"redis://:\$\{REDIS_PASSWORD[^}]*\}@redis:6379/0", env["AIRFLOW__CELERY__BROKER_URL"])
    assert "--requirepass" in " ".join(services["redis"]["command"])
    assert env["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "true"
    for name, svc in services.items():
        if name != "airflow-init":
            assert "healthcheck" in svc, f"{name} has no healthcheck"
    assert any(v.endswith(":/opt/chiso/logs") for v in compose["x-airflow-common"]["volumes"])
    assert env["AIRFLOW__LOGGING__BASE_LOG_FOLDER"] == "/opt/chiso/logs"
    assert all(p.startswith("127.0.0.1:") for p in services["warehouse-db"]["ports"])
    init = services["airflow-init"]
    assert "chiso warehouse-init" in init["command"] and "airflow users create" in init["command"]
    assert env["CHISO_READER_PASSWORD"].startswith("${")
    assert services["airflow-worker"]["deploy"]["replicas"] == 2
