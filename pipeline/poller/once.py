"""One round over the registry without a long-running poller (``newswire poll --once``).

It reads the registry and the saved states, polls what is due, emits the new items and saves
the states where the poller service recovers them. Run it instead of, not beside, ``poll``.
"""

from __future__ import annotations

from pipeline.kafka.topics import ensure_topics
from pipeline.poller.emit import kafka_emitter
from pipeline.poller.poll import Emit, PollReport, from_settings
from pipeline.poller.registry import (
    configs,
    merge_feeds,
    read_registry,
    read_states,
    save_states,
    state_changelog,
)
from pipeline.settings import Settings


async def poll_registry_once(bootstrap: str, settings: Settings, feeds: list[str]) -> PollReport:
    await ensure_topics(bootstrap, settings, [state_changelog(settings)])
    await merge_feeds(bootstrap, settings, feeds)
    registry = await read_registry(bootstrap, settings)
    states = await read_states(bootstrap, settings)
    before = dict(states)
    async with kafka_emitter(bootstrap, settings) as emit:
        poller = from_settings(settings, states, emit)
        try:
            report = await poller.poll_due(registry.values())
        finally:
            await poller.fetcher.close()
    await save_states(bootstrap, settings, [s for u, s in states.items() if before.get(u) != s])
    return report


async def poll_sources_once(settings: Settings, feeds: list[str], emit: Emit) -> PollReport:
    """Poll ``feeds`` once with no registry and no saved state (dry runs and the demo); local
    files are read, as given on the command line."""
    poller = from_settings(settings.model_copy(update={"feed_files": True}), {}, emit)
    try:
        return await poller.poll_due(configs((url, None) for url in feeds))
    finally:
        await poller.fetcher.close()
