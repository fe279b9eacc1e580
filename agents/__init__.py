"""The Faust side of newswire: the apps, their agents and what the agents run on.

``app`` (the Faust app of the worker and the poller), ``enrichment`` (the worker's thin agents:
fetch, clean, tag, claims), ``worker``, ``poller`` (the long-running poller), ``inflight``
(batches worked on at once, sent in key order, committed in partition order), the process
pools (``processes``, ``clean_pool``, ``nlp_pool``), ``tables`` (global tables), ``web``
(health, readiness, metrics) and ``faust_repairs`` (every override of Faust and aiokafka
internals). Stage logic lives in ``pipeline.stages``; nothing here is imported by it.
"""
