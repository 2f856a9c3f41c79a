"""Media on the versioned bucket, over HTTP to the local S3 server: save, delete, restore."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from config.local import s3 as locals3
from config.media import versions
from tests.conftest import stored_bytes
from tests.processes import http_get

PHOTO = b"\x89PNG\r\n\x1a\n not really a photo"


def save(name: str, content: bytes = PHOTO) -> str:
    return default_storage.save(name, ContentFile(content))


def overwrite(name: str, content: bytes) -> None:
    """Write the same key again (save() would pick a new name: file_overwrite is off)."""
    with default_storage.open(name, "wb") as file:
        file.write(content)


def test_save_puts_a_private_object_in_the_media_bucket(fresh_s3):
    name = save("products/lamp.png")
    head = fresh_s3.client().head_object(Bucket=locals3.MEDIA_BUCKET, Key=name)
    assert head["ContentLength"] == len(PHOTO)
    assert head["ContentType"] == "image/png"
    assert stored_bytes(fresh_s3, name) == PHOTO


def test_a_second_upload_with_the_same_name_gets_its_own_key(fresh_s3):
    first, second = save("products/lamp.png"), save("products/lamp.png", b"another lamp")
    assert first == "products/lamp.png"
    assert second != first
    assert second.startswith("products/lamp_")
    assert stored_bytes(fresh_s3, first) == PHOTO


def test_presigned_url_downloads_over_http_and_the_bare_url_is_refused(fresh_s3):
    name = save("avatars/ada.png")
    url = default_storage.url(name)
    assert "X-Amz-Signature=" in url
    assert url.startswith(f"{fresh_s3.endpoint_url}/{locals3.MEDIA_BUCKET}/avatars/ada.png?")
    response = http_get(url)
    assert response.status == 200
    assert response.body == PHOTO
    # Without the signature the bucket refuses: media objects are private.
    assert http_get(url.split("?")[0]).status == 403


def test_delete_lays_a_delete_marker_and_the_old_url_answers_404(fresh_s3):
    name = save("avatars/ada.png")
    url = default_storage.url(name)
    original = versions.list_versions(name)[0]

    default_storage.delete(name)

    assert not default_storage.exists(name)
    assert http_get(url).status == 404
    marker, version = versions.list_versions(name)
    assert marker.is_delete_marker
    assert marker.is_latest
    assert version.version_id == original.version_id
    assert not version.is_latest
    # The bytes are still in the bucket, as the non-current version.
    assert stored_bytes(fresh_s3, name, original.version_id) == PHOTO


def test_restore_removes_the_marker_and_brings_back_identical_bytes(fresh_s3):
    name = save("avatars/ada.png")
    original = versions.list_versions(name)[0]
    default_storage.delete(name)
    default_storage.delete(name)  # deleted twice: two markers on top

    current = versions.restore(name)

    assert current.version_id == original.version_id
    assert versions.list_versions(name) == [
        versions.Version(original.version_id, True, original.last_modified, len(PHOTO))
    ]
    assert http_get(default_storage.url(name)).body == PHOTO


@pytest.mark.parametrize("back", [1, versions.RECENT - 1, versions.RECENT, versions.RECENT + 5])
def test_a_version_is_copied_back_however_far_down_the_history_it_is(fresh_s3, back):
    """restore() reads the newest entries first and the whole history only when the
    version is older than those."""
    s3 = fresh_s3.client()
    ids = [
        s3.put_object(Bucket="media", Key="avatars/long.txt", Body=f"v{n}".encode())["VersionId"]
        for n in range(versions.RECENT + 6)
    ]
    wanted = ids[-1 - back]
    restored = versions.restore("avatars/long.txt", wanted)
    assert restored.is_latest
    body = s3.get_object(Bucket="media", Key="avatars/long.txt")["Body"].read()
    assert body == f"v{len(ids) - 1 - back}".encode()
    with pytest.raises(versions.NothingToRestore):
        versions.restore("avatars/long.txt", "no-such-version")


def test_the_newest_entries_are_listed_as_in_the_whole_history(fresh_s3):
    s3 = fresh_s3.client()
    for n in range(7):
        s3.put_object(Bucket="media", Key="avatars/a.txt", Body=b"x")
        if n % 2:
            s3.delete_object(Bucket="media", Key="avatars/a.txt")
    s3.put_object(Bucket="media", Key="avatars/a.txt.bak", Body=b"x")
    whole = versions.list_versions("avatars/a.txt")
    for limit in (1, 3, 5, len(whole), len(whole) + 3):
        newest = versions.list_versions("avatars/a.txt", limit=limit)
        assert len(newest) == min(limit, len(whole))
        assert newest[0] == whole[0]  # the current one, as S3 says
        # Entries of one second are ordered by a guess (list_versions), so a set.
        assert {v.version_id for v in newest} <= {v.version_id for v in whole}
    assert versions.list_versions("avatars/a.txt", limit=len(whole)) == whole


def test_restore_removes_only_the_markers_on_top_whatever_their_times(fresh_s3):
    """S3 gives times to the second, and lists versions and markers apart: merged by
    time, a restore by copy between two deletes in one second was listed under the
    first delete's marker, and a restore removed that marker too, from under the copy."""
    client, key = fresh_s3.client(), "products/lamp.png"
    bucket = locals3.MEDIA_BUCKET
    first = client.put_object(Bucket=bucket, Key=key, Body=PHOTO)["VersionId"]
    first_delete = client.delete_object(Bucket=bucket, Key=key)["VersionId"]
    source = {"Bucket": bucket, "Key": key, "VersionId": first}
    copy = client.copy_object(Bucket=bucket, Key=key, CopySource=source)["VersionId"]
    second_delete = client.delete_object(Bucket=bucket, Key=key)["VersionId"]
    assert versions.list_versions(key)[0].version_id == second_delete

    assert versions.restore(key).version_id == copy

    left = client.list_object_versions(Bucket=bucket, Prefix=key)
    entries = [*left.get("Versions", []), *left.get("DeleteMarkers", [])]
    kept = {entry["VersionId"] for entry in entries}
    assert kept == {first, first_delete, copy}
    assert stored_bytes(fresh_s3, key) == PHOTO


def test_restore_says_so_when_the_version_under_the_markers_goes_meanwhile(fresh_s3, monkeypatch):
    """The version under the marker expired (the lifecycle rule) or was deleted while
    the marker was removed: the next listing had nothing current, and restore failed
    with an IndexError, a traceback in media_restore."""
    name = save("avatars/ada.png")
    version = versions.list_versions(name)[0].version_id
    default_storage.delete(name)
    client = default_storage.connection.meta.client
    remove = client.delete_object

    def and_the_version_expires(**kwargs):
        answer = remove(**kwargs)
        fresh_s3.client().delete_object(Bucket=locals3.MEDIA_BUCKET, Key=name, VersionId=version)
        return answer

    monkeypatch.setattr(client, "delete_object", and_the_version_expires)
    with pytest.raises(versions.MediaError, match=r"1 delete marker\(s\) removed, and S3 lists no"):
        versions.restore(name)


def test_restore_says_so_when_an_upload_lands_as_the_marker_goes(fresh_s3, monkeypatch):
    """restore() returned whatever S3 then called current: another upload's version,
    which media_restore printed as the file brought back."""
    name = save("avatars/ada.png")
    default_storage.delete(name)
    client = default_storage.connection.meta.client
    remove = client.delete_object

    def and_someone_uploads(**kwargs):
        answer = remove(**kwargs)
        fresh_s3.client().put_object(Bucket=locals3.MEDIA_BUCKET, Key=name, Body=b"other")
        return answer

    monkeypatch.setattr(client, "delete_object", and_someone_uploads)
    with pytest.raises(versions.MediaError, match="an upload came after"):
        versions.restore(name)


def test_restore_leaves_a_delete_marker_laid_while_it_runs(fresh_s3, monkeypatch):
    """It removed whatever marker was current, one per marker listed at the start: a
    delete made by someone else meanwhile was undone, and the restore reported."""
    name = save("avatars/ada.png", b"v1")
    default_storage.delete(name)
    overwrite(name, b"v2")
    default_storage.delete(name)
    client = default_storage.connection.meta.client
    remove, calls = client.delete_object, []

    def and_someone_deletes(**kwargs):
        answer = remove(**kwargs)
        calls.append(kwargs["VersionId"])
        if len(calls) == 1:  # another process's delete: a marker on top
            fresh_s3.client().delete_object(Bucket=locals3.MEDIA_BUCKET, Key=name)
        return answer

    monkeypatch.setattr(client, "delete_object", and_someone_deletes)
    with pytest.raises(versions.MediaError, match="a delete came after"):
        versions.restore(name)
    monkeypatch.undo()
    top = versions.list_versions(name)[0]
    assert (top.is_latest, top.is_delete_marker) == (True, True)  # theirs, kept
    assert len(calls) == 1


def test_restore_leaves_a_null_marker_while_versioning_is_suspended(fresh_s3, monkeypatch):
    """A delete made while versioning is suspended lays a "null" marker, and an upload
    replaces it with a "null" version: removing "null" could delete that upload for
    good, where removing a marker is to destroy nothing."""
    name = save("avatars/ada.png")
    default_storage.delete(name)
    fresh_s3.client().put_bucket_versioning(
        Bucket=locals3.MEDIA_BUCKET, VersioningConfiguration={"Status": "Suspended"}
    )
    client = default_storage.connection.meta.client
    listing, removed = client.list_object_versions, []

    def as_suspended_buckets_list_it(**kwargs):
        page = listing(**kwargs)
        for marker in page.get("DeleteMarkers", []):
            marker["VersionId"] = "null"
        return page

    monkeypatch.setattr(client, "list_object_versions", as_suspended_buckets_list_it)
    monkeypatch.setattr(client, "delete_object", lambda **kwargs: removed.append(kwargs))
    with pytest.raises(versions.MediaError, match="versioning is suspended"):
        versions.restore(name)
    assert removed == []


def test_restore_removes_a_marker_above_a_null_one_while_versioning_is_suspended(
    fresh_s3, monkeypatch
):
    """Only a null marker it would remove stops it: one further down the history,
    under a version, refused every restore of the file."""
    name = save("avatars/ada.png", b"v1")
    default_storage.delete(name)
    overwrite(name, b"v2")
    default_storage.delete(name)
    older_marker = versions.list_versions(name)[2].version_id
    client = default_storage.connection.meta.client
    listing = client.list_object_versions
    # Suspended as the app reads it: the local S3 server fails deletes in a suspended bucket.
    monkeypatch.setattr(client, "get_bucket_versioning", lambda **kwargs: {"Status": "Suspended"})

    def with_the_older_marker_null(**kwargs):
        page = listing(**kwargs)
        for marker in page.get("DeleteMarkers", []):
            if marker["VersionId"] == older_marker:
                marker["VersionId"] = "null"
        return page

    monkeypatch.setattr(client, "list_object_versions", with_the_older_marker_null)
    current = versions.restore(name)
    assert (current.is_latest, current.is_delete_marker) == (True, False)
    assert stored_bytes(fresh_s3, name) == b"v2"


def listings_lagging_from(call: int, monkeypatch) -> None:
    """The media client's listings from the `call`-th on mark nothing current, as a
    server whose listing lags behind a delete (some S3-compatible ones do) shows it."""
    client = default_storage.connection.meta.client
    listing, calls = client.list_object_versions, []

    def lagging(**kwargs):
        page = listing(**kwargs)
        calls.append(page)
        if len(calls) >= call:
            for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                entry["IsLatest"] = False
        return page

    monkeypatch.setattr(client, "list_object_versions", lagging)


@pytest.mark.parametrize(("lagging_from", "removed"), [(2, 1), (1, 0)])
def test_restore_reports_no_success_from_a_listing_that_shows_nothing_current(
    fresh_s3, monkeypatch, lagging_from, removed
):
    """A listing that lags showed the version under the marker without marking it
    current: restore called it the current version, and would have gone on to delete
    a marker below it; when the first listing lagged, it said markers were removed
    where it removed none."""
    name = save("avatars/ada.png")
    default_storage.delete(name)
    listings_lagging_from(lagging_from, monkeypatch)
    said = rf"{removed} delete marker\(s\) removed, and S3 lists no"
    with pytest.raises(versions.MediaError, match=said):
        versions.restore(name)
    monkeypatch.undo()
    assert versions.list_versions(name)[0].is_delete_marker is (removed == 0)


def test_overwriting_a_key_keeps_the_old_version_and_restore_copies_it_back(fresh_s3):
    name = save("products/manual.txt", b"first edition")
    overwrite(name, b"second edition")

    newer, older = versions.list_versions(name)
    assert (newer.is_latest, older.is_latest) == (True, False)
    assert newer.last_modified >= older.last_modified
    assert default_storage.open(name).read() == b"second edition"

    current = versions.restore(name, older.version_id)

    assert current.version_id not in (newer.version_id, older.version_id)
    assert [v.version_id for v in versions.list_versions(name)] == [
        current.version_id,
        newer.version_id,
        older.version_id,
    ]
    assert default_storage.open(name).read() == b"first edition"


@pytest.mark.parametrize("meanwhile", ["deleted", "overwritten"])
def test_a_copy_back_that_another_write_covers_at_once_is_no_success(fresh_s3, meanwhile):
    """A delete or an upload landing between the copy and its listing leaves the copy
    a past version: restore() says so, as it does for a marker left on top, rather
    than return it as the file's current content."""
    name = save("products/manual.txt", b"first edition")
    overwrite(name, b"second edition")
    _newer, older = versions.list_versions(name)

    def write_after_the_copy():
        if meanwhile == "deleted":
            default_storage.delete(name)
        else:
            overwrite(name, b"third edition")

    with pytest.raises(versions.MediaError, match="is not current") as refused:
        versions.restore(name, older.version_id, on_copied=write_after_the_copy)

    top = versions.list_versions(name)[0]
    assert (top.is_latest, top.is_delete_marker) == (True, meanwhile == "deleted")
    assert "list its versions again" in str(refused.value)


def test_a_copy_back_is_refused_while_versioning_is_suspended(fresh_s3):
    """With versioning suspended S3 writes a copy as the file's null version, over
    the one already there: a file stored before versioning was on was lost for
    good, where a restore is to delete nothing. Removing delete markers stays
    possible: it destroys no content."""
    fresh_s3.client().put_bucket_versioning(
        Bucket=locals3.MEDIA_BUCKET, VersioningConfiguration={"Status": "Suspended"}
    )
    name = save("products/manual.txt", b"before versioning")  # the null version
    fresh_s3.client().put_bucket_versioning(
        Bucket=locals3.MEDIA_BUCKET, VersioningConfiguration={"Status": "Enabled"}
    )
    overwrite(name, b"second edition")
    fresh_s3.client().put_bucket_versioning(
        Bucket=locals3.MEDIA_BUCKET, VersioningConfiguration={"Status": "Suspended"}
    )
    listed = [v.version_id for v in versions.list_versions(name)]
    _current, older = versions.list_versions(name)
    with pytest.raises(versions.MediaError, match="versioning is Suspended"):
        versions.restore(name, older.version_id)
    assert [v.version_id for v in versions.list_versions(name)] == listed
    assert default_storage.open(name).read() == b"second edition"


def test_versions_of_one_name_leave_out_names_that_merely_start_alike(fresh_s3):
    save("docs/a.txt")
    save("docs/a.txt.bak")
    assert len(versions.list_versions("docs/a.txt")) == 1
    assert versions.list_versions("docs/missing.txt") == []


def test_the_versions_of_one_name_are_listed_without_paging_past_it(fresh_s3):
    """S3 lists by prefix, keys in order: every version of every key starting with
    the name came back, page after page (up to 5 s each), before the exact key was
    kept. `?name=a` on the versions page paged through a whole folder, past the
    router's 30 s. Listing now stops at the first key after the name."""
    for suffix in ("", ".a", ".b", ".c", ".d", ".e", ".f"):
        save(f"docs/guide.txt{suffix}")
    calls = []

    def two_keys_a_page(params, **kwargs):
        calls.append(params.get("KeyMarker"))
        params["MaxKeys"] = 2

    events = default_storage.connection.meta.client.meta.events
    events.register("provide-client-params.s3.ListObjectVersions", two_keys_a_page)
    try:
        assert len(versions.list_versions("docs/guide.txt")) == 1
    finally:
        events.unregister("provide-client-params.s3.ListObjectVersions", two_keys_a_page)
    assert len(calls) == 1  # its page holds the name and the key after it


def test_restore_of_an_unknown_name_says_so(fresh_s3):
    with pytest.raises(
        versions.NothingToRestore, match=r"No file named 'x\.txt' in bucket 'media'"
    ):
        versions.restore("x.txt")


def test_restore_without_a_version_needs_a_deleted_file(fresh_s3):
    save("x.txt")
    with pytest.raises(versions.NothingToRestore, match="is not deleted; pass a version"):
        versions.restore("x.txt")


def test_restore_of_a_file_with_only_delete_markers_says_so(fresh_s3):
    save("x.txt")
    version = versions.list_versions("x.txt")[0].version_id
    default_storage.delete("x.txt")
    # The version itself destroyed, as only the bucket's owner (with MFA) can.
    fresh_s3.client().delete_object(Bucket=locals3.MEDIA_BUCKET, Key="x.txt", VersionId=version)
    with pytest.raises(versions.NothingToRestore, match="has only delete markers"):
        versions.restore("x.txt")


def test_restore_to_a_version_refuses_unknown_current_and_marker_versions(fresh_s3):
    save("x.txt")
    current = versions.list_versions("x.txt")[0].version_id
    with pytest.raises(versions.NothingToRestore, match="has no version 'nope'"):
        versions.restore("x.txt", "nope")
    with pytest.raises(versions.NothingToRestore, match="is already the current"):
        versions.restore("x.txt", current)
    default_storage.delete("x.txt")
    marker = versions.list_versions("x.txt")[0].version_id
    with pytest.raises(versions.NothingToRestore, match="is a delete marker"):
        versions.restore("x.txt", marker)


def test_a_version_whose_copy_is_current_is_not_copied_again(fresh_s3):
    """The same restore twice (a double click, two tabs) wrote a second copy, a
    version the app's keys never delete."""
    first = save("x.txt")
    old = versions.list_versions(first)[0].version_id
    default_storage.delete(first)
    copy = versions.restore(first, old)
    with pytest.raises(
        versions.NothingToRestore,
        match=f"The current 'x.txt' holds the bytes of version '{old}' already",
    ):
        versions.restore(first, old)
    listed = versions.list_versions(first)
    assert [listed[0].version_id, len(listed)] == [copy.version_id, 3]  # copy, marker, first

    # Other content written over the copy: the version is copied back again.
    fresh_s3.client().put_object(Bucket=locals3.MEDIA_BUCKET, Key="x.txt", Body=b"other")
    assert versions.restore(first, old).version_id != copy.version_id
    assert default_storage.open(first).read() == PHOTO


def test_versioning_can_be_suspended_and_enabled_again(fresh_s3):
    assert str(versions.versioning_status()) == "Enabled (MFA delete: Disabled)"
    assert versions.set_versioning(False).status == "Suspended"
    assert versions.set_versioning(True).enabled


def test_mfa_delete_needs_the_mfa_code_and_sends_it(fresh_s3, sent_requests):
    with pytest.raises(versions.MediaError, match="--mfa"):
        versions.set_versioning(True, mfa_delete=True)
    sent = sent_requests("PutBucketVersioning")
    versions.set_versioning(True, mfa_delete=True, mfa="arn:aws:iam::123456789012:mfa/root 123456")
    # The local server accepts and ignores MFA delete, so check what went to it.
    assert sent[0].headers["x-amz-mfa"] == b"arn:aws:iam::123456789012:mfa/root 123456"
    assert b"<MfaDelete>Enabled</MfaDelete>" in sent[0].body


def test_lifecycle_rule_round_trips_and_keeps_other_rules(fresh_s3, sent_requests):
    other = {
        "ID": "tmp-cleanup",
        "Status": "Enabled",
        "Filter": {"Prefix": "tmp/"},
        "Expiration": {"Days": 1},
    }
    fresh_s3.client().put_bucket_lifecycle_configuration(
        Bucket=locals3.MEDIA_BUCKET, LifecycleConfiguration={"Rules": [other]}
    )
    sent = sent_requests("PutBucketLifecycleConfiguration")

    rule = versions.put_lifecycle(noncurrent_days=30, keep_versions=3)

    rules = {r["ID"]: r for r in versions.lifecycle_rules()}
    assert rules["tmp-cleanup"] == other
    stored = rules[versions.LIFECYCLE_RULE_ID]
    assert stored["Expiration"] == {"ExpiredObjectDeleteMarker": True}
    assert stored["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert stored["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    # The local server drops NewerNoncurrentVersions; what was sent carries it.
    assert rule["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 30,
        "NewerNoncurrentVersions": 3,
    }
    assert b"<NewerNoncurrentVersions>3</NewerNoncurrentVersions>" in sent[0].body

    versions.put_lifecycle(noncurrent_days=7, keep_versions=0)
    rules = {r["ID"]: r for r in versions.lifecycle_rules()}
    assert len(rules) == 2
    assert rules[versions.LIFECYCLE_RULE_ID]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 7}


@pytest.mark.parametrize(
    ("days", "keep", "abort", "message"),
    [
        (0, 3, 7, "--noncurrent-days must be at least 1"),
        (-5, 3, 7, "--noncurrent-days must be at least 1"),
        (30, 101, 7, "between 0 and 100"),
        (30, -1, 7, "between 0 and 100"),
        (30, 3, 0, "--abort-multipart-days must be at least 1"),
        (30, 3, -7, "--abort-multipart-days must be at least 1"),
    ],
)
def test_lifecycle_refuses_values_s3_would_reject(fresh_s3, days, keep, abort, message):
    with pytest.raises(versions.MediaError, match=message):
        versions.put_lifecycle(noncurrent_days=days, keep_versions=keep, abort_days=abort)
    assert versions.lifecycle_rules() == []


@pytest.fixture
def sent_requests():
    """Record the requests the media client sends for an S3 operation, exactly as sent."""
    events = versions.media_storage().connection.meta.client.meta.events
    handlers = []

    def record(operation: str) -> list:
        sent = []

        def keep(request, **kwargs):
            sent.append(request)

        handlers.append((f"before-send.s3.{operation}", keep))
        events.register(*handlers[-1])
        return sent

    yield record
    for event, handler in handlers:
        events.unregister(event, handler)


@pytest.mark.parametrize("mfa", ["bogus", "SERIAL", "SERIAL 12345", "SERIAL 1234567", " 123456"])
def test_an_mfa_value_s3_could_only_refuse_is_refused_before_any_request(
    fresh_s3, sent_requests, mfa
):
    default_storage.save("mfa.txt", ContentFile(b"x"))
    default_storage.delete("mfa.txt")
    deletes, versioning = sent_requests("DeleteObject"), sent_requests("PutBucketVersioning")
    with pytest.raises(versions.MediaError, match="six-digit code"):
        versions.restore("mfa.txt", mfa=mfa)
    with pytest.raises(versions.MediaError, match="six-digit code"):
        versions.set_versioning(True, mfa_delete=True, mfa=mfa)
    assert deletes == []
    assert versioning == []
    assert versions.list_versions("mfa.txt")[0].is_delete_marker
