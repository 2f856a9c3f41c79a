"""An uploaded picture's ICC colour profile, holding only what describes colours.

The profile is kept so a photo shows its colours (a phone's Display P3, an editor's
Adobe RGB). It is written again from its registered tags (`kept`), so nothing of
the upload rides along under its name outside them: a private tag (any bytes at
all), bytes no tag holds, bytes past the size its header gives, its reserved header
bytes and its ID (an MD5 of the bytes as they came, or anything). Anything under
that name which is no well-formed profile littlecms reads is left out: browsers
show such a picture as sRGB, as they did with it.

What is kept as it came: the header's fields and each registered tag's contents,
its text tags (the profile's name and copyright) among them. A profile made to
carry other bytes inside those would keep them; a camera's or an editor's holds
colours and names.
"""

import io

from PIL import ImageCms

HEADER = 128  # bytes, then the tag count and the tag table (12 bytes a tag)
SIGNATURE = b"acsp"  # at bytes 36 to 40 of every profile
# An MD5 of the profile as written (zeros: not given), then 28 reserved bytes, zeros.
PROFILE_ID_AND_RESERVED = slice(84, 128)
# The tags of ICC.1:2022 (version 4.4) and ICC.1:2001-04 (version 2.4), which say how
# to show colours, and the few that name the profile or its conditions. Private tags
# (Apple's mmod and vcgt, a display's calibration) are left out, as is `meta`, a
# dictionary of anything.
TAGS = frozenset(
    tag.encode()
    for tag in [
        *("A2B0", "A2B1", "A2B2", "B2A0", "B2A1", "B2A2", "D2B0", "D2B1", "D2B2", "D2B3"),
        *("B2D0", "B2D1", "B2D2", "B2D3", "rXYZ", "gXYZ", "bXYZ", "rTRC", "gTRC", "bTRC"),
        *("kTRC", "wtpt", "bkpt", "lumi", "chad", "chrm", "clro", "clrt", "clot", "cicp"),
        *("gamt", "ncl2", "pre0", "pre1", "pre2", "resp", "ciis", "meas", "tech", "targ"),
        *("view", "rig0", "rig2", "psid", "desc", "cprt", "dmnd", "dmdd", "vued"),
    ]
)


def kept(profile: bytes | None) -> bytes | None:
    """`profile` with its registered tags only, or None where it is no profile."""
    if not profile or len(profile) < HEADER + 4 or profile[36:40] != SIGNATURE:
        return None
    size = int.from_bytes(profile[:4], "big")
    if size > len(profile) or size < HEADER + 4:
        return None  # cut short, or a header measuring no profile
    profile = profile[:size]  # bytes past its size are no part of it
    count = int.from_bytes(profile[HEADER : HEADER + 4], "big")
    table_end = HEADER + 4 + 12 * count
    if table_end > size:
        return None
    tags = []
    for at in range(HEADER + 4, table_end, 12):
        signature = profile[at : at + 4]
        offset = int.from_bytes(profile[at + 4 : at + 8], "big")
        length = int.from_bytes(profile[at + 8 : at + 12], "big")
        if offset < table_end or offset + length > size:
            return None
        if signature in TAGS:
            tags.append((signature, offset, length))
    # Tags naming overlapping parts of the data would each get a copy: never more
    # than the profile's own size, which an ordinary profile's tags cannot exceed
    # (littlecms takes 100 tags, so a profile could grow a hundredfold).
    blocks = {(offset, length) for _, offset, length in tags}
    needed = HEADER + 4 + 12 * len(tags) + sum(length + -length % 4 for _, length in blocks)
    if needed > size + 3:  # 3: the last tag's data may end unaligned
        return None
    rebuilt = _written(profile, tags)
    try:
        ImageCms.ImageCmsProfile(io.BytesIO(rebuilt))
    except (OSError, ValueError, ImageCms.PyCMSError):
        return None
    return profile if rebuilt == profile else bytes(rebuilt)


def _written(profile: bytes, tags: list[tuple[bytes, int, int]]) -> bytearray:
    """The header, its ID and reserved bytes zeroed, then `tags` in their order, each
    tag's data once (tags may share it) in the order it came, each on a 4-byte
    boundary as the format asks."""
    table_end = HEADER + 4 + 12 * len(tags)
    placed, data = {}, bytearray()
    for offset, length in sorted({(offset, length) for _, offset, length in tags}):
        placed[offset, length] = table_end + len(data)
        data += profile[offset : offset + length]
        data += bytes(-len(data) % 4)
    written = bytearray(profile[:HEADER])
    written[:4] = (table_end + len(data)).to_bytes(4, "big")
    written[PROFILE_ID_AND_RESERVED] = bytes(128 - 84)
    written += len(tags).to_bytes(4, "big")
    for signature, offset, length in tags:
        position = placed[offset, length].to_bytes(4, "big")
        written += signature + position + length.to_bytes(4, "big")
    return written + data
