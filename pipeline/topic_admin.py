"""Creating one extra topic (a replay target, the redrive log) like newswire's own topics."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from pipeline.settings import Settings


async def ensure_topic(bootstrap: str, settings: Settings, name: str, partitions: int) -> bool:
    """Create ``name`` unless it exists (Tansu would auto-create it with its own partitions)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if name in await admin.list_topics():
            return False
        config = {"max.message.bytes": str(settings.max_message_bytes)}
        topic = NewTopic(name, partitions, settings.replication, topic_configs=config)
        response = await admin.create_topics([topic])
        for _, code, message in response.topic_errors:
            if code and code != TopicAlreadyExistsError.errno:
                raise RuntimeError(f"could not create topic {name}: {message}")
        return True
    finally:
        await admin.close()
