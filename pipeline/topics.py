"""Every topic newswire uses, and creating them explicitly with the configured partitions.

Tansu auto-creates unknown topics with its own partition count and Faust declares only its
internal topics, so ``ensure_topics`` runs before anything produces or consumes.
"""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from pipeline.records import TOPIC_RECORDS
from pipeline.settings import Settings

TOPIC_NAMES: tuple[str, ...] = tuple(TOPIC_RECORDS)


def topic_names(settings: Settings) -> list[str]:
    return [settings.topic(name) for name in TOPIC_NAMES]


async def ensure_topics(bootstrap: str, settings: Settings) -> list[str]:
    """Create the missing topics; return the names of those created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [name for name in topic_names(settings) if name not in existing]
        config = {"max.message.bytes": str(settings.max_message_bytes)}
        new = [
            NewTopic(n, settings.partitions, settings.replication, topic_configs=config)
            for n in wanted
        ]
        if new:
            response = await admin.create_topics(new)
            errors = [
                (t, code, msg)
                for t, code, msg in response.topic_errors
                if code and code != TopicAlreadyExistsError.errno
            ]
            if errors:
                raise RuntimeError(f"could not create topics: {errors}")
        return wanted
    finally:
        await admin.close()


async def describe_topics(bootstrap: str) -> dict[str, int]:
    """Every topic on the broker with its partition count."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = sorted(await admin.list_topics())
        described = await admin.describe_topics(names) if names else []
        return {t["topic"]: len(t["partitions"]) for t in described}
    finally:
        await admin.close()
