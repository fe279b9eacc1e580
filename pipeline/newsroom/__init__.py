"""The newsroom: the stored events in a browser (``newswire web``) and as a JSON API."""
