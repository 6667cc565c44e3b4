"""The embedded broker never leaves a message file that a worker would take before it is complete."""

import resource
import signal
from contextlib import contextmanager

import pytest
from django.conf import settings
from kombu.transport.filesystem import ChannelError

from conference.celery import app

pytestmark = pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("filesystem"), reason="the embedded file-system broker only"
)


@contextmanager
def file_size_limit(size: int):
    """Writes beyond ``size`` bytes fail as on a full disk (EFBIG instead of the SIGXFSZ signal)."""
    previous_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, previous_limit[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, previous_limit)
        signal.signal(signal.SIGXFSZ, previous_handler)


def test_a_message_that_cannot_be_written_leaves_nothing_for_a_worker_and_the_queue_goes_on(tmp_path):
    folders = {name: str(tmp_path / name) for name in ("broker", "processed", "control")}
    for folder in folders.values():
        (tmp_path / folder).mkdir()
    options = {
        "data_folder_in": folders["broker"],
        "data_folder_out": folders["broker"],
        "processed_folder": folders["processed"],
        "control_folder": folders["control"],
        "store_processed": True,
    }
    with app.connection_for_write(transport_options=options) as connection:
        queue = connection.SimpleQueue("atomic-writes")
        with file_size_limit(4096), pytest.raises(ChannelError, match="Cannot add file"):
            queue.put({"text": "x" * 100_000})  # the disk "fills" half-way through the message
        queue.put({"n": 1})

        message = queue.get(timeout=5)  # kombu's own transport raised JSONDecodeError here
        message.ack()
        assert message.payload == {"n": 1}
        assert list((tmp_path / "broker").iterdir()) == []
        queue.close()
