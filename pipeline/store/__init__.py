"""Where events are kept for search and the web pages (``newswire store`` writes them)."""
