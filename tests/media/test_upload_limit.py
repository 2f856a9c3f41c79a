"""Stored uploads are bounded an hour, per account and client and per account: each
stays in the versioned bucket (the app's keys delete no version), and the demo's
shared staff login, which may change a product's picture, is every visitor's."""

import logging
import threading
import time
from contextlib import contextmanager

import psycopg2
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import call_command
from django.db import connection
from django.test import Client

from accounts.demo_accounts import STAFF_USERNAME, ensure_demo_accounts
from accounts.models import Profile
from catalog.models import Product
from config.local import s3 as locals3
from config.media import forms as media_forms
from config.media import versions
from config.security import throttle
from config.security import upload_limit as upload_limits
from tests.accounts.test_avatar_admin import (
    profile_page,
    profile_page_data,
    user_page,
    user_page_data,
)
from tests.conftest import bucket_keys, current_keys, storages_on
from tests.factories import ProductFactory, UserFactory, image_bytes, upload
from tests.threads import sent_at_once

pytestmark = pytest.mark.django_db

EDIT = "/accounts/profile/edit/"
PER_CLIENT = upload_limits.UPLOADS_PER_HOUR
PER_ACCOUNT = upload_limits.UPLOADS_PER_ACCOUNT_PER_HOUR


def from_client(user, n: int) -> Client:
    """A browser of `user` behind Heroku's router, as the n-th client (an IPv6 /64)."""
    client = Client(HTTP_X_FORWARDED_FOR=f"2001:db8:{n:x}::1")
    client.force_login(user)
    return client


def post_avatar(client: Client, name: str):
    return client.post(
        EDIT, {"bio": "", "display_name": "Ada", "avatar": upload(name, image_bytes("PNG"))}
    )


def test_avatars_from_one_client_stop_at_the_bound_with_a_form_error(fresh_s3):
    user = UserFactory()
    client = from_client(user, 1)
    assert [post_avatar(client, f"a{n}.png").status_code for n in range(PER_CLIENT)] == [
        302
    ] * PER_CLIENT
    stored, saved = bucket_keys(fresh_s3), Profile.objects.get(user=user).avatar.name

    refused = post_avatar(client, "one-more.png")
    assert refused.status_code == 200
    assert f"{PER_CLIENT} files an hour" in refused.content.decode()
    assert bucket_keys(fresh_s3) == stored  # nothing stored
    assert Profile.objects.get(user=user).avatar.name == saved  # nothing saved
    # The account from another network, and another account from this one, upload.
    assert post_avatar(from_client(user, 2), "elsewhere.png").status_code == 302
    assert post_avatar(from_client(UserFactory(), 1), "theirs.png").status_code == 302


def test_an_account_from_many_clients_is_bounded_too(fresh_s3):
    user = UserFactory()
    for _ in range(PER_ACCOUNT):  # uploads counted from other networks this hour
        throttle.hit(*upload_limits.account_uploads(user), limit=PER_ACCOUNT, window=3600)
    refused = post_avatar(from_client(user, 7), "new-network.png")
    assert refused.status_code == 200
    assert f"{PER_ACCOUNT} from all its networks" in refused.content.decode()
    assert not Profile.objects.get(user=user).avatar


def test_an_upload_the_bucket_could_not_store_counts_nothing(settings, fresh_s3):
    """The form says "nothing was saved, try again in a few minutes": an outage must not
    spend the hour's allowance (every visitor's, on the demo's shared staff login)."""
    user = UserFactory()
    client = from_client(user, 1)
    settings.STORAGES = storages_on(fresh_s3, bucket="no-such-bucket")
    for n in range(PER_CLIENT + 2):
        failed = post_avatar(client, f"during-{n}.png")
        assert media_forms.STORAGE_ERROR_MESSAGE in failed.content.decode()
    settings.STORAGES = storages_on(fresh_s3)
    assert post_avatar(client, "after.png").status_code == 302


def test_superusers_are_not_counted(fresh_s3):
    """An operator filling the catalog's pictures is not held to a visitor's bound."""
    admin = UserFactory(is_staff=True, is_superuser=True)
    for _ in range(PER_ACCOUNT):
        throttle.hit(*upload_limits.account_uploads(admin), limit=PER_ACCOUNT, window=3600)
    assert post_avatar(from_client(admin, 1), "operator.png").status_code == 302


def test_a_file_refused_for_what_it_is_counts_nothing(fresh_s3):
    user = UserFactory()
    client = from_client(user, 1)
    for n in range(PER_CLIENT + 5):
        not_an_image = upload(f"x{n}.png", b"not a picture")
        assert (
            client.post(
                EDIT, {"bio": "", "display_name": "Ada", "avatar": not_an_image}
            ).status_code
            == 200
        )
    assert post_avatar(client, "real.png").status_code == 302


def test_the_shared_staff_logins_pictures_are_bounded_in_the_admin(fresh_s3):
    """The demo's staff login changes a product's picture (`change_product_image`):
    every visitor of the demo holds it, and each new picture stays in the bucket."""
    call_command("seed_catalog", products=2, verbosity=0)
    staff = UserFactory(is_staff=True, email="")
    for codename in ("view_product", "change_product_image", "view_feature"):
        staff.user_permissions.add(Permission.objects.get(codename=codename))
    client = from_client(staff, 3)
    product = Product.objects.order_by("pk").first()
    page = f"/{settings.ADMIN_URL}catalog/product/{product.pk}/change/"

    def post_picture(name):
        fields = {"features-TOTAL_FORMS": "0", "features-INITIAL_FORMS": "0"}
        return client.post(page, {**fields, "image": upload(name, image_bytes("PNG"))})

    assert [post_picture(f"p{n}.png").status_code for n in range(PER_CLIENT)] == [302] * PER_CLIENT
    stored, saved = bucket_keys(fresh_s3), Product.objects.get(pk=product.pk).image.name
    refused = post_picture("one-more.png")
    assert refused.status_code == 200
    assert f"{PER_CLIENT} files an hour" in refused.content.decode()
    assert bucket_keys(fresh_s3) == stored
    assert Product.objects.get(pk=product.pk).image.name == saved


@pytest.mark.parametrize("where", ["profile page", "user page inline"])
def test_staff_avatars_in_the_admin_are_counted_too(fresh_s3, where):
    """The profile's admin page (its form) and the user's (the profile inline's formset)
    count what staff store, as the product's page does."""
    staff = UserFactory(is_staff=True)
    for codename in ("view_user", "change_user", "view_profile", "change_profile"):
        staff.user_permissions.add(Permission.objects.get(codename=codename))
    for _ in range(PER_ACCOUNT):
        throttle.hit(*upload_limits.account_uploads(staff), limit=PER_ACCOUNT, window=3600)
    member = UserFactory()
    avatar = upload("theirs.png", image_bytes("PNG"))
    if where == "profile page":
        page, data = profile_page(member.profile), profile_page_data(member.profile, avatar=avatar)
    else:
        page, data = user_page(member), user_page_data(member, avatar=avatar)
    refused = from_client(staff, 4).post(page, data)
    assert refused.status_code == 200
    assert f"{PER_ACCOUNT} from all its networks" in refused.content.decode()
    assert bucket_keys(fresh_s3) == []
    assert not Profile.objects.get(user=member).avatar


def test_restores_by_the_shared_staff_login_are_counted_as_stored_files(fresh_s3):
    """A restore stores a copy of the version as the newest one, which the app's keys
    cannot delete either, and the version it copied stays there to copy again: on the
    demo's shared staff login the same POST wrote a copy every time, without bound."""
    ensure_demo_accounts(staff_password="a-demo-password-1", member_password="a-demo-password-2")
    staff = get_user_model().objects.get(username=STAFF_USERNAME)
    name = default_storage.save("products/desk.png", ContentFile(b"the desk"))
    older = versions.list_versions(name)[0].version_id
    fresh_s3.client().put_object(Bucket=locals3.MEDIA_BUCKET, Key=name, Body=b"painted")
    newer = versions.list_versions(name)[0].version_id
    default_storage.delete(name)  # a delete marker on top: both versions are older ones
    product = ProductFactory()
    Product.objects.filter(pk=product.pk).update(image=name, image_width=1, image_height=1)
    client = from_client(staff, 5)
    page = f"/{settings.ADMIN_URL}media/versions/"

    def restore(version=older):
        return client.post(page, {"name": name, "version_id": version})

    # Each the other's turn: the current file a copy of one, the other is copied back.
    taking_turns = [restore([older, newer][n % 2]).status_code for n in range(PER_CLIENT)]
    assert taking_turns == [302] * PER_CLIENT
    stored = bucket_keys(fresh_s3)
    refused = restore()
    assert refused.status_code == 429
    assert f"{PER_CLIENT} files an hour" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 3600  # the hour's end
    assert bucket_keys(fresh_s3) == stored  # no copy written
    # Uploads and restores share the hour's allowance: a picture is refused too.
    edit = f"/{settings.ADMIN_URL}catalog/product/{product.pk}/change/"
    fields = {"features-TOTAL_FORMS": "0", "features-INITIAL_FORMS": "0"}
    picture = client.post(edit, {**fields, "image": upload("p.png", image_bytes("PNG"))})
    assert f"{PER_CLIENT} files an hour" in picture.content.decode()
    # From another network, until the account's own bound.
    assert from_client(staff, 6).post(page, {"name": name, "version_id": older}).status_code == 302


def puts_failing(monkeypatch, *, carried_out: bool) -> list[str]:
    """Each PUT of the media storage's client fails: after S3 carried it out and its
    answer was lost (a read timeout, as on a connection dropped after the write), or
    before any connection was made. The URLs of those requests."""
    from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

    client = default_storage.connection.meta.client
    send = client._endpoint._send
    sent = []

    def failing(request):
        copy = any(name.lower() == "x-amz-copy-source" for name in request.headers)
        if request.method != "PUT" or copy:
            return send(request)
        sent.append(request.url)
        if not carried_out:
            raise EndpointConnectionError(endpoint_url=request.url)
        send(request)
        raise ReadTimeoutError(endpoint_url=request.url)

    monkeypatch.setattr(client._endpoint, "_send", failing)
    return sent


def test_an_upload_whose_answer_is_lost_is_counted_and_left_current_nowhere(fresh_s3, monkeypatch):
    """S3 wrote the avatar, and the answer never came: the form said nothing was saved
    while the bucket held the picture as a current file no row names, which nothing
    would discard, uncounted (a client repeating it stored files past the limit).
    The storage now hides what it may have written (a delete marker: its versions
    stay for a restore), and the limit counts it."""
    user = UserFactory()
    client = from_client(user, 1)
    sent = puts_failing(monkeypatch, carried_out=True)
    for n in range(PER_CLIENT):
        failed = post_avatar(client, f"lost-{n}.png")
        assert media_forms.STORAGE_ERROR_MESSAGE in failed.content.decode()
    assert len(sent) == PER_CLIENT  # each sent once: a retry hid what the first did
    monkeypatch.undo()
    assert Profile.objects.get(user=user).avatar.name == ""
    assert current_keys(fresh_s3) == []
    # Counted: the hour's allowance is spent.
    refused = post_avatar(client, "after.png")
    assert refused.status_code == 200
    assert f"{PER_CLIENT} files an hour" in refused.content.decode()
    assert current_keys(fresh_s3) == []


def test_an_upload_s3_never_received_is_not_hidden_or_counted(fresh_s3, monkeypatch, caplog):
    """No connection made: nothing to hide (no delete is sent) and nothing counted,
    as with a bucket that refuses it (above)."""
    client = from_client(UserFactory(), 1)
    sent = puts_failing(monkeypatch, carried_out=False)
    with caplog.at_level(logging.WARNING, logger="config.media.signed"):
        for n in range(PER_CLIENT + 1):
            failed = post_avatar(client, f"unsent-{n}.png")
            assert media_forms.STORAGE_ERROR_MESSAGE in failed.content.decode()
    assert sent
    assert "config.media.signed" not in caplog.text
    monkeypatch.undo()
    assert post_avatar(client, "after.png").status_code == 302


def test_a_name_check_that_times_out_counts_nothing(fresh_s3, monkeypatch):
    """The storage checks the name is free (a HEAD) before it writes: a timeout there
    comes before any write, and S3 holds nothing of it to count."""
    from botocore.exceptions import ReadTimeoutError

    client = default_storage.connection.meta.client
    send = client._endpoint._send
    methods = []

    def heads_time_out(request):
        methods.append(request.method)
        if request.method == "HEAD":
            raise ReadTimeoutError(endpoint_url=request.url)
        return send(request)

    monkeypatch.setattr(client._endpoint, "_send", heads_time_out)
    client_of_user = from_client(UserFactory(), 1)
    for n in range(PER_CLIENT + 1):
        failed = post_avatar(client_of_user, f"slow-{n}.png")
        assert media_forms.STORAGE_ERROR_MESSAGE in failed.content.decode()
    monkeypatch.undo()
    assert "HEAD" in methods
    assert "PUT" not in methods
    assert post_avatar(client_of_user, "after.png").status_code == 302


def completes_lost(monkeypatch, client) -> list[str]:
    """Each CompleteMultipartUpload `client` sends is carried out and its answer lost
    (a read timeout). Their URLs, as they are sent."""
    from botocore.exceptions import ReadTimeoutError

    send = client._endpoint._send
    completes = []

    def complete_lost(request):
        if request.method == "POST" and "uploadId=" in request.url:
            completes.append(request.url)
            send(request)
            raise ReadTimeoutError(endpoint_url=request.url)
        return send(request)

    monkeypatch.setattr(client._endpoint, "_send", complete_lost)
    return completes


def test_a_multipart_upload_whose_last_answer_is_lost_is_hidden(fresh_s3, monkeypatch):
    """Above boto3's multipart threshold (8 MB) the object is written by the upload's
    last request, CompleteMultipartUpload: sent once, and hidden when its answer is
    lost, as a PUT is."""
    from botocore.exceptions import ReadTimeoutError

    completes = completes_lost(monkeypatch, default_storage.bucket.meta.client)
    with pytest.raises(ReadTimeoutError) as raised:
        default_storage.save("products/big.bin", ContentFile(b"x" * (9 * 1024 * 1024)))
    monkeypatch.undo()
    assert raised.value.media_may_have_written
    assert len(completes) == 1
    assert current_keys(fresh_s3) == []


def test_a_write_is_sent_once_whichever_thread_made_the_storages_bucket(fresh_s3, monkeypatch):
    """django-storages keeps one bucket per storage, made with the client of the thread
    that first asked for it; a write goes out on that client, which the storage's
    own thread never set up: a PUT was sent twice there."""
    from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

    storage = storages.create_storage(settings.STORAGES["default"])
    other = threading.Thread(target=lambda: storage.delete("old/avatar.png"))
    other.start()
    other.join()
    client = storage.bucket.meta.client
    assert client is not storage.connection.meta.client
    send = client._endpoint._send
    puts = []

    def lost_then_unreachable(request):
        if request.method != "PUT":
            return send(request)
        puts.append(request.url)
        if len(puts) > 1:
            raise EndpointConnectionError(endpoint_url=request.url)
        send(request)
        raise ReadTimeoutError(endpoint_url=request.url)

    monkeypatch.setattr(client._endpoint, "_send", lost_then_unreachable)
    with pytest.raises(ReadTimeoutError) as raised:
        storage.save("avatars/new.png", ContentFile(b"picture"))
    monkeypatch.undo()
    assert len(puts) == 1
    assert raised.value.media_may_have_written
    assert current_keys(fresh_s3) == []


def test_a_write_through_open_is_sent_once(fresh_s3, monkeypatch):
    """open(name, "wb") writes with a multipart upload of django-storages' own, which
    never goes through the storage's _save: its last request is sent once too."""
    from botocore.exceptions import ReadTimeoutError

    storage = storages.create_storage(settings.STORAGES["default"])
    completes = completes_lost(monkeypatch, storage.bucket.meta.client)
    with pytest.raises(ReadTimeoutError), storage.open("tour/demo.txt", "wb") as file:
        file.write(b"Saved by the tour.\n")
    monkeypatch.undo()
    assert len(completes) == 1


@pytest.fixture
def slow_writes(monkeypatch):
    """Every PUT to S3 (an upload, a restore's copy) a third of a second late, on every
    thread's client: requests sent together are all past the bound's question before
    one has written."""
    from botocore.endpoint import Endpoint

    send = Endpoint._send

    def late(self, request):
        if request.method == "PUT":
            time.sleep(0.3)
        return send(self, request)

    monkeypatch.setattr(Endpoint, "_send", late)


def one_left(user, network: str = "2001:db8:1::") -> None:
    """Count all but one of the hour's uploads of `user` from `network`."""
    for _ in range(PER_CLIENT - 1):
        throttle.hit("uploads", f"{user.pk} {network}", limit=PER_CLIENT, window=upload_limits.HOUR)


@pytest.mark.django_db(transaction=True)
def test_uploads_sent_at_once_store_no_more_than_the_bound(fresh_s3, slow_writes):
    """The bound was asked before the file was stored and counted after: requests in
    flight at once each found room, and 16 of 20 sent together were stored past
    the 20 an hour. One account's uploads now take turns from the question to the count."""
    user = UserFactory()
    one_left(user)
    before = set(bucket_keys(fresh_s3))
    answers = sent_at_once(6, lambda n: post_avatar(from_client(user, 1), f"burst-{n}.png"))
    assert answers == [200] * 5 + [302]
    assert len(set(bucket_keys(fresh_s3)) - before) == 1


def shared_staff_and_a_deleted_picture() -> tuple:
    """The demo's shared staff login, and a product's picture deleted (a marker on top):
    the login, the file's name and the version a restore copies back."""
    ensure_demo_accounts(staff_password="a-demo-password-1", member_password="a-demo-password-2")
    staff = get_user_model().objects.get(username=STAFF_USERNAME)
    name = default_storage.save("products/desk.png", ContentFile(b"the desk"))
    older = versions.list_versions(name)[0].version_id
    default_storage.delete(name)
    Product.objects.filter(pk=ProductFactory().pk).update(image=name, image_width=1, image_height=1)
    return staff, name, older


@pytest.mark.django_db(transaction=True)
def test_restores_sent_at_once_write_no_more_copies_than_the_bound(fresh_s3, slow_writes):
    """The same for the admin's restores, whose copies the app's keys cannot delete."""
    staff, name, older = shared_staff_and_a_deleted_picture()
    one_left(staff)
    page = f"/{settings.ADMIN_URL}media/versions/"
    answers = sent_at_once(
        6, lambda n: from_client(staff, 1).post(page, {"name": name, "version_id": older})
    )
    assert answers == [302] + [429] * 5
    assert len([v for v in versions.list_versions(name) if not v.is_delete_marker]) == 2


@contextmanager
def turn_held_elsewhere(user):
    """The account's turn held by a transaction of another connection (a request of
    the account storing a file) until the end of the with-block."""
    holder = psycopg2.connect(**connection.get_connection_params())
    try:
        with holder.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                [upload_limits.TURN_LOCK, str(user.pk)],
            )
        yield
    finally:
        holder.rollback()
        holder.close()


def test_an_upload_that_waits_too_long_for_its_turn_is_told_so_not_a_503(fresh_s3, monkeypatch):
    """Waiting on, past the web process's statement timeout, was the 503 page: with S3
    slow, one account's queued uploads (the demo's shared staff login's) each got it."""
    monkeypatch.setattr(upload_limits, "TURN_WAIT", "200ms")
    user = UserFactory()
    client = from_client(user, 1)
    before = bucket_keys(fresh_s3)
    with turn_held_elsewhere(user):
        waited = post_avatar(client, "queued.png")
    assert waited.status_code == 200
    assert media_forms.BUSY_MESSAGE in waited.content.decode()
    assert bucket_keys(fresh_s3) == before
    assert not Profile.objects.get(user=user).avatar
    assert post_avatar(client, "later.png").status_code == 302


def test_a_restore_that_waits_too_long_for_its_turn_is_a_429_for_a_moment(fresh_s3, monkeypatch):
    monkeypatch.setattr(upload_limits, "TURN_WAIT", "200ms")
    staff, name, older = shared_staff_and_a_deleted_picture()
    client = from_client(staff, 1)
    page = f"/{settings.ADMIN_URL}media/versions/"
    with turn_held_elsewhere(staff):
        waited = client.post(page, {"name": name, "version_id": older})
    assert waited.status_code == 429
    assert waited["Retry-After"] == "5"
    assert media_forms.BUSY_MESSAGE in waited.content.decode()
    assert not default_storage.exists(name)
    assert client.post(page, {"name": name, "version_id": older}).status_code == 302


def test_an_upload_over_the_bound_is_refused_without_waiting_for_a_turn(fresh_s3, monkeypatch):
    monkeypatch.setattr(upload_limits, "TURN_WAIT", "30s")  # a wait would show
    user = UserFactory()
    one_left(user)
    throttle.hit("uploads", f"{user.pk} 2001:db8:1::", limit=PER_CLIENT, window=upload_limits.HOUR)
    with turn_held_elsewhere(user):
        started = time.monotonic()
        refused = post_avatar(from_client(user, 1), "over.png")
        waited = time.monotonic() - started
    assert f"{PER_CLIENT} files an hour" in refused.content.decode()
    assert waited < 10  # not the turn's 30 s


@pytest.mark.parametrize("transactional", [True, False], ids=["database cache", "redis-like"])
def test_a_count_rolled_back_is_counted_again_only_where_it_went_with_the_rollback(
    rf, settings, transactional
):
    """An admin page run again after a conflict counts the file its first run stored:
    its version stays. On the database cache the first count went with the rollback;
    on Redis it stayed, and counting again made two of one file."""
    if not transactional:
        settings.CACHES = {
            **settings.CACHES,
            "throttles": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "TIMEOUT": upload_limits.HOUR,
            },
        }
    request = rf.post("/")
    request.user = UserFactory()
    account = upload_limits.account_uploads(request.user)
    upload_limits.UploadLimit.stored(request)
    upload_limits.UploadLimit.rolled_back(request)
    counted = 2 if transactional else 1
    assert throttle.reached(*account, limit=counted, window=upload_limits.HOUR)
    assert not throttle.reached(*account, limit=counted + 1, window=upload_limits.HOUR)


def test_the_docs_give_the_turns_wait_and_the_retry_it_asks():
    from config.media import admin as media_admin

    said = " ".join((settings.BASE_DIR / "docs" / "s3-media.md").read_text().split())
    seconds = int(upload_limits.TURN_WAIT.removesuffix("s"))
    assert f"one that waits {seconds} s for its turn" in said
    assert f"(a restore: 429, `Retry-After: {media_admin.BUSY_SECONDS}`)" in said
