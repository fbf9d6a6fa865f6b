"""Tell someone when a night needs a look: a webhook notification block and an automation.

    python -m flows.alerts --webhook https://chat.example.org/hooks/khabar   # once per server

Against the server of ``PREFECT_API_URL``, it creates or updates (running it again is safe):

* the notification block ``khabar-alerts``, a Prefect *Custom Webhook*: a POST of
  ``{"subject": …, "body": …, "source": "khabar"}`` to the URL given (``--webhook`` or
  ``$KHABAR_ALERT_WEBHOOK``). Any chat, pager or mail gateway that takes a JSON webhook works,
  and so does a receiver on the same machine: nothing leaves it unless the URL says so;
* the automation ``khabar-night-needs-a-look`` (``AUTOMATION``): when a ``nightly`` or
  ``backfill`` run ends ``Warned`` (a quality breach), ``Failed`` or ``Crashed``, the server
  sends a notification through that block, naming the run, its state and its message.

The automation runs on the server (its triggers and actions services), so it needs one:
without ``PREFECT_API_URL`` the command says so and exits 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any
from urllib.parse import urlsplit

BLOCK_NAME = "khabar-alerts"
AUTOMATION_NAME = "khabar-night-needs-a-look"
# The flows whose runs are watched, and the states (event ``prefect.flow-run.<name>``).
WATCHED_FLOWS = ("nightly", "backfill")
WATCHED_STATES = ("Warned", "Failed", "Crashed")


def automation(block_id: str) -> dict[str, Any]:
    """The automation, as ``prefect automation create --from-json`` takes it."""
    return {
        "name": AUTOMATION_NAME,
        "description": "A Khabar night ended Warned (quality), Failed or Crashed: notify.",
        "enabled": True,
        "trigger": {
            "type": "event", "posture": "Reactive", "threshold": 1, "within": 0,
            "expect": [f"prefect.flow-run.{state}" for state in WATCHED_STATES],
            "match_related": {"prefect.resource.role": "flow",
                              "prefect.resource.name": list(WATCHED_FLOWS)},
        },
        "actions": [{
            "type": "send-notification", "block_document_id": block_id,
            "subject": "Khabar: {{ flow.name }} run {{ flow_run.name }} "
                       "ended {{ flow_run.state.name }}",
            "body": "{{ flow.name }} run {{ flow_run.name }} ended "
                    "{{ flow_run.state.name }}: {{ flow_run.state.message }}",
        }],
    }


def save_block(url: str) -> str:
    """Create or update the ``khabar-alerts`` webhook block; returns its document id."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    block = CustomWebhookNotificationBlock(
        name="khabar", url=url, method="POST",
        json_data={"subject": "{{subject}}", "body": "{{body}}", "source": "khabar"})
    return str(block.save(BLOCK_NAME, overwrite=True))


def save_automation(block_id: str) -> str:
    """Create the automation, or update it in place when one of that name exists."""
    from prefect.client.orchestration import get_client
    from prefect.events.schemas.automations import AutomationCore

    wanted = AutomationCore.model_validate(automation(block_id))
    with get_client(sync_client=True) as client:
        existing = client.read_automations_by_name(AUTOMATION_NAME)
        if existing:
            client.update_automation(existing[0].id, wanted)
            for extra in existing[1:]:
                client.delete_automation(extra.id)
            return str(existing[0].id)
        return str(client.create_automation(wanted))


def _webhook(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{url!r} is not an http(s) URL")
    return url


def main(argv: list[str] | None = None) -> int:
    """Command line; exit 0 when both are saved, 2 on bad input or no server configured."""
    parser = argparse.ArgumentParser(prog="python -m flows.alerts",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--webhook", help="URL the notifications are POSTed to "
                                          "(default: $KHABAR_ALERT_WEBHOOK)")
    args = parser.parse_args(argv)
    try:
        args.webhook = _webhook(args.webhook or os.environ.get("KHABAR_ALERT_WEBHOOK") or "")
    except argparse.ArgumentTypeError as exc:
        parser.exit(2, f"{parser.prog}: error: --webhook (or $KHABAR_ALERT_WEBHOOK): {exc}\n")
    if not os.environ.get("PREFECT_API_URL"):
        parser.exit(2, f"{parser.prog}: error: PREFECT_API_URL is not set: automations run on a "
                       "Prefect server (see README, Scheduling and monitoring)\n")
    block_id = save_block(args.webhook)
    automation_id = save_automation(block_id)
    print(f"notification block {BLOCK_NAME} ({block_id}) -> {args.webhook}")
    print(f"automation {AUTOMATION_NAME} ({automation_id}): {', '.join(WATCHED_FLOWS)} runs "
          f"ending {', '.join(WATCHED_STATES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
