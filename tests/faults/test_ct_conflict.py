"""commercetools answers 409 twice (another writer got in first, twice) and then 200:
the update succeeds on the re-read version and the other writer's change is kept."""

from __future__ import annotations

from connector.clients.commercetools import CommercetoolsClient
from connector.config import Config
from sandbox.serve import connector_env


def test_409_twice_then_200_succeeds_with_no_lost_update(ct_sandbox, fluent_sandbox):
    env = connector_env(ct_sandbox.url, fluent_sandbox.url, "")
    env.update({"CONNECTOR_MODULES": "", "DATABASE_URL": "sqlite://"})
    config = Config.from_env(env, read_dotenv=False)
    ours = CommercetoolsClient.from_config(config)
    theirs = CommercetoolsClient.from_config(config)
    channel = ours.request(
        "POST",
        ours.path("channels"),
        json={"key": "conflict-1", "roles": ["InventorySupply"]},
    )
    path = f"channels/{channel['id']}"
    seen_versions: list[int] = []
    interfere = 2

    def build(current: dict) -> list[dict]:
        nonlocal interfere
        seen_versions.append(current["version"])
        if interfere:  # another writer changes the channel after our read: 409
            interfere -= 1
            now = theirs.get(path)
            theirs.update(
                path,
                now["version"],
                [{"action": "changeName", "name": {"en": f"theirs-{interfere}"}}],
            )
        return [{"action": "changeDescription", "description": {"en": "ours"}}]

    result, actions = ours.update_with_retry(path, build)
    assert actions == [{"action": "changeDescription", "description": {"en": "ours"}}]
    assert len(seen_versions) == 3  # read, 409, re-read, 409, re-read, 200
    final = ours.get(path)
    assert final["description"] == {"en": "ours"}
    assert final["name"] == {"en": "theirs-0"}  # the other writer's update is not lost
    assert final["version"] == channel["version"] + 3
    assert result["version"] == final["version"]
