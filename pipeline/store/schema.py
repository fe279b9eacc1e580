"""The store's tables, as numbered migrations for each database; a store applies the ones
its database has not had yet (table ``store_version``)."""

from __future__ import annotations

_TABLES = """
CREATE TABLE events (
    id {id} PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    article_id TEXT NOT NULL UNIQUE,
    revision INTEGER NOT NULL,
    story_id TEXT,
    source TEXT NOT NULL,
    url TEXT,
    title TEXT NOT NULL,
    language TEXT,
    ts {real} NOT NULL,
    stored_at {real} NOT NULL,
    text TEXT NOT NULL,
    body {blob} NOT NULL
);
CREATE INDEX events_ts ON events (ts DESC, id DESC);
CREATE INDEX events_story ON events (story_id);
CREATE TABLE entities (
    event BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    entity_id TEXT NOT NULL,
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    count INTEGER NOT NULL,
    salience {real} NOT NULL,
    PRIMARY KEY (event, entity_id)
);
CREATE INDEX entities_entity ON entities (entity_id);
CREATE INDEX entities_name ON entities (lower(name));
CREATE TABLE claims (
    event BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    claimant TEXT NOT NULL,
    claimant_key TEXT NOT NULL,
    claimant_name TEXT NOT NULL,
    cue TEXT NOT NULL,
    content TEXT NOT NULL,
    stance TEXT NOT NULL,
    kind TEXT NOT NULL,
    hedged BOOLEAN NOT NULL,
    anonymous BOOLEAN NOT NULL,
    PRIMARY KEY (event, idx)
);
CREATE INDEX claims_claimant ON claims (claimant_key);
CREATE TABLE claim_topics (
    event BIGINT NOT NULL,
    idx INTEGER NOT NULL,
    entity_id TEXT NOT NULL,
    PRIMARY KEY (event, idx, entity_id),
    FOREIGN KEY (event, idx) REFERENCES claims (event, idx) ON DELETE CASCADE
);
CREATE INDEX claim_topics_entity ON claim_topics (entity_id);
"""

_TOPIC_TIMES = """
ALTER TABLE claim_topics ADD COLUMN stance TEXT NOT NULL DEFAULT '';
ALTER TABLE claim_topics ADD COLUMN ts {real} NOT NULL DEFAULT 0;
UPDATE claim_topics SET
    stance = (SELECT c.stance FROM claims c
              WHERE c.event = claim_topics.event AND c.idx = claim_topics.idx),
    ts = (SELECT e.ts FROM events e WHERE e.id = claim_topics.event);
DROP INDEX claim_topics_entity;
CREATE INDEX claim_topics_entity ON claim_topics (entity_id, stance, ts);
"""
"""A topic row carries its claim's stance and its event's time, so that the claims that can
disagree with one (same entity, opposite stance, close in time) are one index range."""

SQLITE: list[str] = [
    _TABLES.format(id="INTEGER", real="REAL", blob="BLOB")
    + """
CREATE VIRTUAL TABLE events_fts USING fts5(
    title, text, content='events', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN
    INSERT INTO events_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
    INSERT INTO events_fts (events_fts, rowid, title, text)
    VALUES ('delete', old.id, old.title, old.text);
END;
""",
    _TOPIC_TIMES.format(real="REAL"),
]
"""SQLite: full text by an FTS5 index over titles and texts (Porter stems)."""

POSTGRES: list[str] = [
    _TABLES.format(id="BIGINT GENERATED ALWAYS AS IDENTITY", real="DOUBLE PRECISION", blob="BYTEA")
    + """
ALTER TABLE events ADD COLUMN words tsvector
    GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || text)) STORED;
CREATE INDEX events_words ON events USING GIN (words);
""",
    _TOPIC_TIMES.format(real="DOUBLE PRECISION"),
]
"""PostgreSQL: full text by a GIN index over the English ``tsvector`` of titles and texts."""
