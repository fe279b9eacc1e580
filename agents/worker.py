"""``newswire worker``: the enrichment agents with their clean and NLP processes."""

from __future__ import annotations

import asyncio
import logging

from agents.app import create_app, service_worker
from agents.clean_pool import CleanPool
from agents.enrichment import add_agents
from agents.nlp_pool import NlpPool
from agents.web import add_pages
from pipeline.kafka.broker import is_embedded
from pipeline.kafka.topics import ensure_topics
from pipeline.settings import Settings
from pipeline.stages.chain import CleanRules
from pipeline.stages.nlp import model_package


def run_worker(settings: Settings, bootstrap: str) -> None:
    """Run the enrichment agents until SIGINT/SIGTERM."""
    model_package(settings.model)  # fail now, not on the first batch
    asyncio.run(ensure_topics(bootstrap, settings))
    app = create_app(settings, bootstrap, asyncio.run(is_embedded(bootstrap, settings)))
    cleaner = CleanPool(CleanRules.from_settings(settings))
    pool = NlpPool(settings.model, settings.nlp_processes)
    add_agents(app, settings, cleaner, pool)
    add_pages(app)
    try:
        service_worker(app, settings, "worker").execute_from_commandline()
    finally:
        cleaner.close()
        pool.close()
        logging.shutdown()
