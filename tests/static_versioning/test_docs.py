"""docs/static-versioning.md's sizes are those of the files this run's build collected."""

import json
import re

from tests.builds import MANIFEST

DOC = MANIFEST.parents[1] / "docs" / "static-versioning.md"


def collected_sizes(name: str) -> tuple[int, int, int]:
    """Raw, gzip and brotli bytes of a collected file, by its unhashed name."""
    hashed = MANIFEST.parent / json.loads(MANIFEST.read_text())["paths"][name]
    return tuple(
        (hashed.parent / (hashed.name + suffix)).stat().st_size for suffix in ("", ".gz", ".br")
    )


def test_the_size_table_and_the_sample_header_give_the_collected_sizes():
    text = DOC.read_text()
    rows = re.findall(r"^\| `([\w/.]+)` \| ([\d,]+) B \| ([\d,]+) B \| ([\d,]+) B \|$", text, re.M)
    documented = {name: tuple(int(n.replace(",", "")) for n in sizes) for name, *sizes in rows}
    assert set(documented) == {"css/site.css", "js/site.js"}
    for name, sizes in documented.items():
        assert sizes == collected_sizes(name), name
    length = int(re.search(r"^Content-Length: (\d+)$", text, re.M).group(1))
    assert length == collected_sizes("css/site.css")[2]  # the brotli stylesheet
