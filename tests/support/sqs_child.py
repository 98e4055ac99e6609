"""A listener process for the SIGKILL test: the real SqsListener, each accept followed
by a pause so that the test can kill it in the middle of a batch.

Usage: python -m tests.support.sqs_child QUEUE_URL ENDPOINT_URL PAUSE_SECONDS
(the connector's environment comes from the parent).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from connector.cli_support import load_runtime
from connector.inbound.pipeline import accept
from connector.listeners.sqs import SqsListener, make_client


def main() -> None:
    queue_url, endpoint, pause = sys.argv[1], sys.argv[2], float(sys.argv[3])

    def slow_accept(*args: Any) -> Any:
        answer = accept(*args)
        print("accepted", answer.body, flush=True)
        time.sleep(pause)
        return answer

    runtime = load_runtime(with_celery=True, check_schema=False)
    listener = SqsListener(
        runtime,
        make_client(queue_url, endpoint),
        queue_url,
        wait_seconds=1,
        accept_fn=slow_accept,
    )
    listener.run()


if __name__ == "__main__":
    main()
