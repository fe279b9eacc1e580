"""Article pages: fetching them politely (robots.txt, HTTP rules, message-size bound)."""
