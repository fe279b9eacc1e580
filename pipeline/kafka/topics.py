"""Every topic newswire uses, and creating them explicitly with the configured partitions.

Tansu auto-creates unknown topics with its own partition count and Faust declares only its
internal topics, so ``ensure_topics`` runs before anything produces or consumes.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from pipeline.kafka.security import client_options
from pipeline.records import TOPIC_RECORDS
from pipeline.settings import Settings

TOPIC_NAMES: tuple[str, ...] = tuple(TOPIC_RECORDS)
COMPACTED: frozenset[str] = frozenset({"feeds"})
STORIES_TABLE = "stories"
"""The worker's global table of duplicate candidates (``pipeline.stages.stories``)."""
ALIASES_TABLE = "aliases"
"""The worker's global table of entity aliases (``pipeline.stages.aliases``), one partition."""


def table_topic(settings: Settings, table: str) -> str:
    """Faust's name of a table's changelog topic."""
    return f"{settings.app_id}-{table}-changelog"


def table_topics(settings: Settings) -> dict[str, int]:
    """Changelog topics of the worker's tables, with their partition counts."""
    return {table_topic(settings, name): 1 for name in (STORIES_TABLE, ALIASES_TABLE)}


def topic_names(settings: Settings) -> list[str]:
    return [settings.topic(name) for name in TOPIC_NAMES]


def _new_topic(name: str, settings: Settings, compacted: bool, partitions: int) -> NewTopic:
    config = {"max.message.bytes": str(settings.max_message_bytes)}
    if compacted:
        config["cleanup.policy"] = "compact"
    return NewTopic(name, partitions, settings.replication, topic_configs=config)


async def ensure_topics(
    bootstrap: str,
    settings: Settings,
    compacted_extra: Iterable[str] = (),
    extra: Iterable[str] = (),
) -> list[str]:
    """Create the missing topics (the pipeline's, its tables' changelogs, ``compacted_extra``
    and ``extra``); return those created. Each gets the configured partitions (Tansu would
    auto-create with its own), a table changelog its table's."""
    compacted_extra, extra = list(compacted_extra), list(extra)
    tables = table_topics(settings)
    compacted = {settings.topic(n) for n in COMPACTED} | set(compacted_extra) | set(tables)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        names = [*topic_names(settings), *tables, *compacted_extra, *extra]
        wanted = [n for n in dict.fromkeys(names) if n not in existing]
        new = [
            _new_topic(n, settings, n in compacted, tables.get(n, settings.partitions))
            for n in wanted
        ]
        if new:
            response = await admin.create_topics(new)
            errors = [
                (topic, code, message)
                for topic, code, message in response.topic_errors
                if code and code != TopicAlreadyExistsError.errno
            ]
            if errors:
                raise RuntimeError(f"could not create topics: {errors}")
        return wanted
    finally:
        await admin.close()


async def describe_topics(bootstrap: str, settings: Settings) -> dict[str, int]:
    """Every topic on the broker with its partition count."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options(settings))
    await admin.start()
    try:
        names = sorted(await admin.list_topics())
        described = await admin.describe_topics(names) if names else []
        return {t["topic"]: len(t["partitions"]) for t in described}
    finally:
        await admin.close()
