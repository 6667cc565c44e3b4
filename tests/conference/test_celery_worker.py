import pytest

from conference.tasks import ping


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_live_worker_process_consumes_tasks(celery_worker_process):
    result = ping.apply_async()

    assert result.get(timeout=30) == "pong"
    assert celery_worker_process.poll() is None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_health_check_reports_the_worker_answering(client, celery_worker_process):
    response = client.get("/health/?worker=1")

    body = response.json()
    assert response.status_code == 200, body
    assert body["checks"]["worker"] == {"ok": True, "detail": "pong", "ms": body["checks"]["worker"]["ms"]}
    assert set(body["checks"]) == {"database", "cache", "broker", "worker"}
