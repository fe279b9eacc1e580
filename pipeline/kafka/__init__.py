"""Kafka clients and the embedded broker: topics, readers, the producer, TLS/SASL options."""
