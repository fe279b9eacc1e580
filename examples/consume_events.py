"""Print the claims of newswire events once per event_id: plain aiokafka and json.

    python examples/consume_events.py --broker 127.0.0.1:9092 --topic news.events --idle 10

Delivery is at-least-once and replays repeat events, so a consumer de-duplicates by
``event_id`` (here in memory; a long-running consumer keeps the ids in its own store).
Without --group it reads every partition from the beginning and commits nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from aiokafka import AIOKafkaConsumer


def show(event: dict) -> None:
    article = event["article"]
    print(f"{article['id']}  {article['title']}  [{article['source']}]")
    for claim in event["claims"]:
        who, cue, what = claim["claimant"]["text"], claim["cue"]["text"], claim["content"]["text"]
        print(f"  {who} | {cue} | {what} | {claim['stance']}")


async def consume(
    broker: str, topic: str, group: str | None, most: int | None, idle: float | None
) -> int:
    """Print events until ``most`` distinct ones or ``idle`` quiet seconds; return the count."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=broker,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=group is not None,
    )
    await consumer.start()
    seen: set[str] = set()
    try:
        while most is None or len(seen) < most:
            batches = await consumer.getmany(timeout_ms=int(1000 * (idle or 1)))
            if not batches and idle is not None:
                break
            for records in batches.values():
                for record in records:
                    event = json.loads(record.value)
                    if event["event_id"] in seen or (most is not None and len(seen) >= most):
                        continue
                    seen.add(event["event_id"])
                    show(event)
    finally:
        await consumer.stop()
    return len(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--broker", default="127.0.0.1:9092", help="bootstrap HOST:PORT")
    parser.add_argument("--topic", default="news.events")
    parser.add_argument("--group", help="consumer group (commits offsets); default: none")
    parser.add_argument("--max", type=int, dest="most", help="stop after N distinct events")
    parser.add_argument("--idle", type=float, help="stop after S seconds without a message")
    args = parser.parse_args()
    count = asyncio.run(consume(args.broker, args.topic, args.group, args.most, args.idle))
    print(f"{count} distinct events")


if __name__ == "__main__":
    main()
