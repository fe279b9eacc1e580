"""Helpers shared by the tests: settings, topics, the CLI, local servers and fixtures."""
