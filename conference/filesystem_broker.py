"""The embedded default's broker: kombu's file-system transport, with messages written atomically.

kombu writes a message by creating ``<time>_<uuid>.<queue>.msg`` and then filling it; a worker
polling the folder at that moment moves the still-empty file away, fails to decode it, and the
whole worker stops ("Unrecoverable error: JSONDecodeError"), losing that message. Here a message
is written under a name the worker does not look for and renamed into place once complete; a
rename within one folder is atomic, so a worker only ever sees whole messages.
"""

import contextlib
import os
import uuid
from time import monotonic

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: dict, **kwargs) -> None:
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + ".partial"  # "<queue>.msg.partial" is no queue's file name
        data = str_to_bytes(dumps(payload))
        try:
            with open(partial, "wb") as stream:
                stream.write(data)
            os.replace(partial, final)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from error


class Transport(filesystem.Transport):
    Channel = Channel


def use_atomic_filesystem_broker() -> None:
    """Make ``filesystem://`` broker URLs use this transport (web processes and workers alike)."""
    TRANSPORT_ALIASES["filesystem"] = f"{__name__}:Transport"
