"""The media management commands, against the local S3 server."""

import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from config.media import versions
from tests.media.conftest import versioning_off, written_twice
from tests.processes import manage, production_env

UNREACHABLE_DB = "postgres://u:p@127.0.0.1:9/unreachable"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_media_versioning_status_suspend_enable(fresh_s3):
    assert run("media_versioning", "status") == (
        "Versioning of bucket media: Enabled (MFA delete: Disabled)\n"
    )
    assert "Suspended" in run("media_versioning", "suspend")
    assert versions.versioning_status().status == "Suspended"
    assert "Enabled" in run("media_versioning", "enable")


def test_media_versioning_mfa_delete_needs_the_code(fresh_s3):
    with pytest.raises(CommandError, match='--mfa "SERIAL CODE"'):
        run("media_versioning", "enable", "--mfa-delete")
    out = run("media_versioning", "enable", "--mfa-delete", "--mfa", "SERIAL 123456")
    assert out.startswith("Versioning of bucket media: Enabled")


def test_media_lifecycle_sets_and_shows_the_rule(fresh_s3):
    assert run("media_lifecycle", "--show").endswith("none\n")
    out = run("media_lifecycle", "--noncurrent-days", "14", "--keep-versions", "5")
    rules = json.loads(out.split("\n", 1)[1])
    assert rules[0]["ID"] == "media-versions"
    assert rules[0]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 14
    assert rules[0]["Expiration"] == {"ExpiredObjectDeleteMarker": True}
    with pytest.raises(CommandError, match="at least 1"):
        run("media_lifecycle", "--noncurrent-days", "0")


def test_media_versions_prints_a_table_newest_first(fresh_s3):
    name = default_storage.save("avatars/ada.png", ContentFile(b"12345"))
    default_storage.delete(name)
    found = versions.list_versions(name)

    lines = run("media_versions", name).splitlines()

    assert lines[0].split() == [
        "VERSION",
        "ID",
        "KIND",
        "CURRENT",
        "LAST",
        "MODIFIED",
        "(UTC)",
        "SIZE",
    ]
    assert lines[1].split()[:4] == [found[0].version_id, "delete", "marker", "yes"]
    assert lines[2].split()[:2] == [found[1].version_id, "version"]
    assert lines[2].split()[-1] == "5"


def test_media_restore_removes_every_marker_over_the_file_and_says_so(fresh_s3):
    """It said "its delete marker" when it removed two."""
    name = default_storage.save("avatars/ada.png", ContentFile(b"first"))
    first = versions.list_versions(name)[0].version_id
    default_storage.delete(name)
    default_storage.delete(name)

    out = run("media_restore", name)
    assert (
        out
        == f"Restored {name}: removed the delete marker(s) over it; current version is {first}.\n"
    )
    assert [v.version_id for v in versions.list_versions(name)] == [first]


def test_media_restore_removes_the_marker_or_copies_a_version(fresh_s3):
    name = default_storage.save("avatars/ada.png", ContentFile(b"first"))
    first = versions.list_versions(name)[0].version_id
    default_storage.delete(name)

    out = run("media_restore", name)
    assert (
        out
        == f"Restored {name}: removed the delete marker(s) over it; current version is {first}.\n"
    )

    with default_storage.open(name, "wb") as file:
        file.write(b"second")
    out = run("media_restore", name, "--version", first)
    assert f"copied version {first} over it" in out
    assert default_storage.open(name).read() == b"first"


def test_media_restore_names_a_copy_written_but_not_confirmed_current(after_a_copy):
    """Not "S3 refused or could not be reached" for a copy S3 wrote: its version, so
    a second try is not blind."""
    name = default_storage.save("products/lamp.png", ContentFile(b"the lamp"))
    first = versions.list_versions(name)[0].version_id
    with default_storage.open(name, "wb") as file:  # a second version over the first
        file.write(b"the bad edit")
    with pytest.raises(CommandError, match=r"was copied back as version '[^']+'"):
        call_command("media_restore", name, "--version", first)


def test_media_restore_sends_a_copy_once_and_says_its_answer_was_lost(copys_answer_lost):
    name = default_storage.save("products/lamp.png", ContentFile(b"the lamp"))
    first = versions.list_versions(name)[0].version_id
    with default_storage.open(name, "wb") as file:
        file.write(b"the bad edit")
    with pytest.raises(CommandError, match="S3 may have written the copy"):
        call_command("media_restore", name, "--version", first)
    assert len(copys_answer_lost) == 1
    assert len(versions.list_versions(name)) == 3  # the two saves and one copy


def test_media_commands_fail_with_a_message_and_exit_code_1(fresh_s3):
    """Run as an operator would on a one-off dyno: production settings, a real process."""
    env = production_env(DATABASE_URL=UNREACHABLE_DB)
    missing = manage("media_restore", "no/such/file.png", env=env)
    assert missing.returncode == 1
    assert "No file named 'no/such/file.png' in bucket 'media'" in missing.stderr
    assert "Traceback" not in missing.stderr

    default_storage.save("here.txt", ContentFile(b"x"))
    not_deleted = manage("media_restore", "here.txt", env=env)
    assert not_deleted.returncode == 1
    assert "is not deleted; pass a version" in not_deleted.stderr

    unknown = manage("media_versions", "no/such/file.png", env=env)
    assert unknown.returncode == 1
    assert "No file named" in unknown.stderr

    no_bucket = manage(
        "media_versioning", "status", env={**env, "AWS_MEDIA_BUCKET_NAME": "no-such-bucket"}
    )
    assert no_bucket.returncode == 1
    assert "S3 refused or could not be reached" in no_bucket.stderr
    assert "NoSuchBucket" in no_bucket.stderr


def test_media_commands_need_s3(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    with pytest.raises(CommandError, match="not S3: set AWS_MEDIA_BUCKET_NAME"):
        run("media_versioning", "status")


@pytest.mark.parametrize("command", [("media_versioning", "enable"), ("media_restore", "a.png")])
@pytest.mark.parametrize("mfa", ["bogus", "SERIAL", "SERIAL 12345", "SERIAL 1234567", " 123456"])
def test_an_mfa_value_that_is_not_a_serial_and_six_digits_is_refused(fresh_s3, command, mfa):
    with pytest.raises(CommandError, match="six-digit code"):
        run(*command, "--mfa", mfa)


ARABIC_INDIC_DIGITS = "\u0661\u0662\u0663\u0664\u0665\u0666"


@pytest.mark.parametrize("mfa", [f"SERIAL {ARABIC_INDIC_DIGITS}", "s\u00e9rial 123456"])
def test_an_mfa_value_s3_cannot_carry_is_refused_before_any_request(fresh_s3, mfa):
    """Digits of another script match \\d, and a header carries no such letters: the
    value reached the HTTP layer and came back as 'S3 refused or could not be reached'."""
    with pytest.raises(CommandError, match="six-digit code"):
        run("media_versioning", "enable", "--mfa-delete", "--mfa", mfa)


@pytest.mark.parametrize(
    "args",
    [
        ("media_versioning", "status", "--mfa-delete"),
        ("media_versioning", "status", "--no-mfa-delete"),
        ("media_versioning", "status", "--mfa", "SERIAL 123456"),
        ("media_lifecycle", "--show", "--noncurrent-days", "14"),
        ("media_lifecycle", "--show", "--keep-versions", "5"),
        ("media_lifecycle", "--show", "--abort-multipart-days", "3"),
    ],
)
def test_options_a_read_only_action_would_ignore_are_refused(fresh_s3, args):
    """An operator who adds them expects them to do something: they did nothing,
    and the command said nothing."""
    with pytest.raises(CommandError, match="changes nothing"):
        run(*args)


def test_media_restore_shows_a_long_version_id_cut(fresh_s3):
    """An id is about 32 characters; one pasted wrong was a line of thousands."""
    name = default_storage.save("avatars/ada.png", ContentFile(b"first"))
    with pytest.raises(CommandError) as refused:
        run("media_restore", name, "--version", "v" * 5000)
    assert str(refused.value) == f"{name!r} has no version {'v' * 40!r}... (5000 characters)."


@pytest.mark.parametrize("days", ["1000000000", "\u0661\u0662", "1_0"])
def test_media_lifecycle_takes_at_most_nine_ascii_digits(fresh_s3, days):
    """S3 keeps the day counts as 32-bit numbers; the local server stored any."""
    with pytest.raises(CommandError, match="a whole number in ASCII digits, at most nine"):
        run("media_lifecycle", "--noncurrent-days", days)
    assert run("media_lifecycle", "--show").endswith("none\n")


def test_the_commands_say_when_the_bucket_has_no_versioning(unversioned_bucket):
    """`media_versions` and `media_restore` said "No file named ..." of a file deleted
    from a bucket whose versioning is off, as of a name never used; only
    `media_versioning status` told why nothing could come back."""
    off = versioning_off(unversioned_bucket)
    name = written_twice()
    out, err = io.StringIO(), io.StringIO()
    call_command("media_versions", name, stdout=out, stderr=err)
    assert len(out.getvalue().splitlines()) == 2  # the heading and one null version
    assert err.getvalue() == off + "\n"
    with pytest.raises(CommandError, match="is not deleted") as not_deleted:
        run("media_restore", name)
    assert str(not_deleted.value).endswith(" " + off)

    default_storage.delete(name)
    for command in ("media_versions", "media_restore"):
        with pytest.raises(CommandError) as refused:
            run(command, name)
        assert str(refused.value) == f"No file named {name!r} in bucket 'plain-media'. {off}"

    # A rule for non-current versions, on a bucket that makes none, said nothing of it.
    for args in ([], ["--show"]):
        out, err = io.StringIO(), io.StringIO()
        call_command("media_lifecycle", *args, stdout=out, stderr=err)
        assert out.getvalue().startswith("Lifecycle rules of bucket plain-media:")
        assert err.getvalue() == off + "\n"


def test_the_commands_say_nothing_of_versioning_on_a_versioned_bucket(fresh_s3):
    for command in ("media_versions", "media_restore"):
        with pytest.raises(CommandError) as refused:
            run(command, "no/such.png")
        assert str(refused.value) == "No file named 'no/such.png' in bucket 'media'."
    err = io.StringIO()
    call_command("media_lifecycle", stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""
