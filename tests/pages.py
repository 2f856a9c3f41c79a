"""Reading what the app's pages report about themselves, for tests at every level."""

import re


def query_count(server_timing: str) -> int:
    """The number of queries in a `Server-Timing: db;dur=..;desc="<n> queries"` header
    (config/querylog/)."""
    return int(re.search(r'desc="(\d+) queries"', server_timing).group(1))
