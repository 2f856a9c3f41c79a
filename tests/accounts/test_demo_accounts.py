"""seed_demo_accounts: the demo's staff and member logins, created once, printed always,
never a known password outside development, and really able to do what the tour asks."""

import io
import re
import secrets
import shlex
from io import StringIO

import pytest
from django.conf import global_settings, settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import (
    PBKDF2PasswordHasher,
    check_password,
    get_hasher,
    make_password,
)
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.db import connections, router
from django.urls import reverse
from PIL import Image

from accounts.demo_accounts import (
    DEMO_STAFF_GROUP,
    DEMO_STAFF_PERMISSIONS,
    MEMBER_USERNAME,
    STAFF_USERNAME,
    usable_hash,
)
from accounts.management.commands.seed_demo_accounts import (
    DEV_PASSWORD_HASHES,
    DEV_PASSWORDS,
    Command,
    random_password,
)
from accounts.models import Company, Profile
from catalog.models import Product
from config.media import versions
from config.media.admin import versions_url
from config.querylog import record
from tests.accounts.test_backends import user_queries
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = re.compile(r"username (\S+)  password (\S+)(?:, company ([^(\n]+?))?( \(created now\))?$")


def run(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo_accounts", *args, stdout=out)
    return out.getvalue()


def logins(output: str) -> dict[str, tuple[str, str | None, bool]]:
    """username -> (password, company, created) for every login the output shows."""
    found = {}
    for line in output.splitlines():
        if match := LOGIN.search(line):
            username, password, company, created = match.groups()
            found[username] = (password, company, bool(created))
    return found


def state() -> list:
    """Everything the command could write, to compare two runs."""
    users = get_user_model().objects.order_by("username")
    return [
        list(users.values_list("username", "password", "is_staff", "is_superuser", "last_login")),
        list(users.values_list("username", "groups__name").order_by("username", "groups__name")),
        list(Profile.objects.order_by("user__username").values_list("display_name", "company")),
        list(Company.objects.values_list("name", "slug", "website")),
        list(
            Group.objects.values_list("name", "permissions__codename").order_by(
                "name", "permissions__codename"
            )
        ),
    ]


def test_development_creates_both_logins_and_companies_and_prints_them():
    output = run()
    assert logins(output) == {
        STAFF_USERNAME: (DEV_PASSWORDS["staff"], None, True),
        MEMBER_USERNAME: (DEV_PASSWORDS["member"], "Northwind Traders", True),
    }
    assert f"admin at /{settings.ADMIN_URL}" in output
    staff = get_user_model().objects.get(username=STAFF_USERNAME)
    assert staff.is_staff
    assert not staff.is_superuser
    assert staff.get_all_permissions() == set(DEMO_STAFF_PERMISSIONS)
    # docs/accounts.md: no add or delete, nothing on users or groups.
    codenames = [permission.split(".") for permission in DEMO_STAFF_PERMISSIONS]
    assert not [p for app, p in codenames if p.startswith(("add_", "delete_")) or app == "auth"]
    member = get_user_model().objects.get(username=MEMBER_USERNAME)
    assert not member.is_staff
    assert member.profile.company.name == "Northwind Traders"
    # Companies with members of their own, who cannot log in.
    assert Company.objects.count() == 3
    for company in Company.objects.all():
        members = get_user_model().objects.filter(profile__company=company)
        assert members.exclude(username=MEMBER_USERNAME).exists()
        assert not any(m.has_usable_password() for m in members.exclude(username=MEMBER_USERNAME))


def test_a_second_run_changes_nothing_and_prints_the_same_logins():
    first = logins(run())
    before = state()
    second = logins(run())
    assert state() == before
    assert {u: (p, c) for u, (p, c, _) in second.items()} == {
        u: (p, c) for u, (p, c, _) in first.items()
    }
    assert not any(created for _, _, created in second.values())


def test_a_changed_password_is_reported_not_printed():
    run()
    member = get_user_model().objects.get(username=MEMBER_USERNAME)
    member.set_password("my-own-secret-42")
    member.save()
    output = run()
    assert MEMBER_USERNAME not in logins(output)
    assert DEV_PASSWORDS["member"] not in output
    assert f"username {MEMBER_USERNAME}  password changed since it was created" in output
    assert member.password == get_user_model().objects.get(pk=member.pk).password


@pytest.fixture
def djangos_hasher(settings, monkeypatch):
    """The project's hasher (PBKDF2) instead of the tests' fast one; the passwords it
    hashed, in order."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    hashed = []
    encode = PBKDF2PasswordHasher.encode

    def counting(self, password, salt, iterations=None):
        hashed.append(password)
        return encode(self, password, salt, iterations)

    monkeypatch.setattr(PBKDF2PasswordHasher, "encode", counting)
    return hashed


def test_the_demo_logins_are_made_and_printed_again_without_hashing_a_password(djangos_hasher):
    """PBKDF2 takes about a second of CPU per password, and the demo seeds at every
    start: it checked both passwords each time (and hashed each twice when it made
    the accounts), two to five seconds before the site answered."""
    first, second = logins(run()), logins(run())
    assert djangos_hasher == []
    for role, username in (("staff", STAFF_USERNAME), ("member", MEMBER_USERNAME)):
        assert first[username][::2] == (DEV_PASSWORDS[role], True)
        assert second[username][::2] == (DEV_PASSWORDS[role], False)
        # And it is the account's password: the one hash a login costs.
        assert get_user_model().objects.get(username=username).check_password(DEV_PASSWORDS[role])
    assert djangos_hasher == [DEV_PASSWORDS["staff"], DEV_PASSWORDS["member"]]


def test_a_changed_password_is_still_told_under_djangos_hasher(djangos_hasher):
    run()
    member = get_user_model().objects.get(username=MEMBER_USERNAME)
    member.set_password("my-own-secret-42")
    member.save()
    output = run()
    assert f"username {MEMBER_USERNAME}  password changed since it was created" in output
    assert f"username {STAFF_USERNAME}  password {DEV_PASSWORDS['staff']}" in output


def test_the_development_passwords_hashes_are_theirs_under_djangos_hasher(settings):
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    assert set(DEV_PASSWORD_HASHES) == set(DEV_PASSWORDS.values())
    for password, encoded in DEV_PASSWORD_HASHES.items():
        assert check_password(password, encoded)
        # Else they are hashed at every start again, as for any other password:
        # make them anew with make_password(password, salt).
        assert usable_hash(DEV_PASSWORD_HASHES, password) == encoded, get_hasher().iterations


def test_a_known_hash_is_unused_when_django_would_hash_otherwise(settings):
    """Another hasher in the settings, or a Django whose hasher works harder: hashed
    as usual, never compared with a hash Django would not make now."""
    password, encoded = next(iter(DEV_PASSWORD_HASHES.items()))
    assert usable_hash(DEV_PASSWORD_HASHES, "another-password") is None
    assert usable_hash(DEV_PASSWORD_HASHES, password) is None  # the tests' MD5 hasher
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    older = encoded.replace("$1000000$", "$870000$")
    assert usable_hash({password: older}, password) is None
    # A salt shorter than Django's: replaced at the next login, so never compared again.
    short_salt = make_password(password, salt="publicsalt")
    assert usable_hash({password: short_salt}, password) is None
    # Django's documented way to make PBKDF2 work harder: a subclass listed first, the
    # stock one kept to read older hashes. Logins rehash what the stock one made.
    settings.PASSWORD_HASHERS = [
        f"{__name__}.HarderPBKDF2PasswordHasher",
        *global_settings.PASSWORD_HASHERS,
    ]
    assert usable_hash(DEV_PASSWORD_HASHES, password) is None


class HarderPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = PBKDF2PasswordHasher.iterations * 2


def test_an_existing_password_is_checked_without_rehashing_it():
    """check_password on the user saves a new hash when Django's hasher would make
    another one (a Django upgrade, a changed hasher): the seed told the password and
    also rewrote an account it promises never to change."""
    run()
    member = get_user_model().objects.get(username=MEMBER_USERNAME)
    member.password = make_password(DEV_PASSWORDS["member"], salt="short", hasher="md5")
    member.save(update_fields=["password"])
    before = state()
    output = run()
    assert f"username {MEMBER_USERNAME}  password {DEV_PASSWORDS['member']}" in output
    assert state() == before


def test_a_password_given_for_an_existing_account_is_reported_as_not_used():
    """Nobody changed the password: the account existed, and is never changed here.
    (Seeded with the public one, it is named instead: the test above.)"""
    run("--random-passwords")
    staff = get_user_model().objects.get(username=STAFF_USERNAME)
    output = run("--staff-password", "another-password-7")
    assert "another-password-7" not in output
    assert f"{STAFF_USERNAME}  password changed since it was created" not in output
    assert (
        f"username {STAFF_USERNAME}  password not the one given: the account exists "
        "and is left as it is"
    ) in output
    assert get_user_model().objects.get(pk=staff.pk).password == staff.password


def test_an_account_someone_else_made_under_a_demo_name_gets_no_permission():
    squatter = UserFactory(username=STAFF_USERNAME)
    output = run()
    squatter.refresh_from_db()
    assert not squatter.is_staff
    assert not squatter.groups.exists()
    assert STAFF_USERNAME not in logins(output)
    assert "exists but is not the demo's" in output


@pytest.mark.parametrize("name", ["Demo-Staff", "DEMO-MEMBER"])
def test_an_account_of_a_demo_name_in_another_case_is_left_and_no_second_made(name):
    """The seed looked for the exact name and made "demo-staff" beside "Demo-Staff"."""
    UserFactory(username=name, is_staff=True)
    output = run()
    assert list(
        get_user_model().objects.filter(username__iexact=name).values_list("username", flat=True)
    ) == [name]
    assert name.lower() not in logins(output)
    assert "exists but is not the demo's" in output


def test_a_company_member_name_in_another_case_is_left_and_no_second_made():
    UserFactory(username="Demo-Ines")
    run()
    assert list(
        get_user_model()
        .objects.filter(username__iexact="demo-ines")
        .values_list("username", flat=True)
    ) == ["Demo-Ines"]


def test_a_seed_that_fails_half_way_leaves_nothing(monkeypatch):
    """One transaction: two dynos seeding at once, or a failure after the staff login,
    never leave half the demo behind."""
    from accounts import demo_accounts

    create = demo_accounts._create

    def fails_for_the_member(**kwargs):
        if kwargs["username"] == demo_accounts.MEMBER_USERNAME:
            raise RuntimeError("the database went away")
        return create(**kwargs)

    monkeypatch.setattr(demo_accounts, "_create", fails_for_the_member)
    with pytest.raises(RuntimeError):
        run()
    assert (get_user_model().objects.count(), Company.objects.count()) == (0, 0)


def test_outside_development_a_known_password_is_refused(settings):
    settings.DEVELOPMENT = False
    for args in ([], ["--staff-password", "only-one-given"]):
        with pytest.raises(CommandError, match="Outside development"):
            run(*args)
    assert not get_user_model().objects.exists()
    assert not Company.objects.exists()


def test_outside_development_random_or_given_passwords(settings, client):
    settings.DEVELOPMENT = False
    output = run("--random-passwords")
    created = logins(output)
    assert set(created) == {STAFF_USERNAME, MEMBER_USERNAME}
    assert not set(DEV_PASSWORDS.values()) & {p for p, _, _ in created.values()}
    log_in(client, output, MEMBER_USERNAME)
    again = run("--random-passwords")
    assert logins(again) == {}  # a random password is shown once
    assert again.count("set when the account was created, not shown again") == 2
    given = run(
        "--staff-password", created[STAFF_USERNAME][0], "--member-password", "another-passphrase"
    )
    assert logins(given) == {STAFF_USERNAME: (created[STAFF_USERNAME][0], None, False)}
    with pytest.raises(CommandError, match="not both"):
        run("--random-passwords", "--staff-password", "x")


@pytest.mark.parametrize(
    ("staff", "refused"),
    [
        ("x", "This password is too short"),
        ("12345678901234", "This password is entirely numeric"),
        ("password123", "This password is too common"),
        (DEV_PASSWORDS["staff"], "public"),
    ],
)
@pytest.mark.parametrize(
    ("where", "member"),
    [
        ("outside development", "a-long-member-passphrase"),  # both needed there
        ("a database elsewhere", "a-long-member-passphrase"),
        ("a database elsewhere", None),  # the member's then random
    ],
)
def test_outside_development_a_given_password_passes_the_sites_validators(
    settings, monkeypatch, staff, refused, where, member
):
    """A staff account of a live site, holding the restore and change permissions:
    createsuperuser and changepassword refuse such passwords, and so does the
    signup form; the public development ones are refused as they are by default.
    So in development against a database on another machine, which gives random
    passwords for the ones not given: typed in, the public ones went in there."""
    if where == "outside development":
        settings.DEVELOPMENT = False
    else:
        where_libpq_connects(monkeypatch, "db.example.com", {}, {})
    given = ["--member-password", member] if member else []
    with pytest.raises(CommandError, match=refused) as error:
        run("--staff-password", staff, *given)
    assert "--staff-password" in str(error.value)
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--random-passwords"],
        ["--staff-password", "a-long-staff-passphrase-1", "--member-password", "a-long-member-1"],
    ],
)
def test_outside_development_a_login_still_holding_its_public_password_is_named(settings, args):
    """A database seeded in development, then run live (`heroku pg:push`): the seed
    said "set when the account was created, not shown again" while demo-staff still
    opened with the password the README publishes."""
    run()
    settings.DEVELOPMENT = False
    before = state()
    with pytest.raises(CommandError) as refused:
        run(*args)
    said = str(refused.value)
    for username in (STAFF_USERNAME, MEMBER_USERNAME):
        assert f"{username} still has its public development password" in said
        assert f"manage.py changepassword {username}" in said
    assert state() == before
    member = get_user_model().objects.get(username=MEMBER_USERNAME)
    member.set_password("changed-by-its-owner-1")
    member.save()
    with pytest.raises(CommandError) as refused:
        run(*args)
    assert STAFF_USERNAME in str(refused.value)
    assert MEMBER_USERNAME not in str(refused.value)


@pytest.mark.parametrize(
    "how", ["made a superuser, out of its group", "its group deleted", "no longer staff"]
)
def test_a_public_staff_login_that_is_no_longer_the_demos_is_named_too(settings, client, how):
    """It still opens with the published password: an operator who made it a
    superuser heard that it was "not the demo's (left as it is)"."""
    run()
    staff = get_user_model().objects.get(username=STAFF_USERNAME)
    if how.startswith("made"):
        staff.is_superuser = True
        staff.save()
        staff.groups.clear()
    elif how == "its group deleted":
        Group.objects.get(name=DEMO_STAFF_GROUP).delete()
    else:
        staff.is_staff = False
        staff.save()
    member = get_user_model().objects.get(username=MEMBER_USERNAME)
    member.set_password("changed-by-the-operator-1")
    member.save()
    settings.DEVELOPMENT = False
    with pytest.raises(CommandError, match=f"{STAFF_USERNAME} still has its public"):
        run("--random-passwords")
    staff.is_active = False  # one that cannot log in is not named
    staff.save()
    run("--random-passwords")


def test_development_against_a_database_elsewhere_names_a_public_password_there(monkeypatch):
    run()
    where_libpq_connects(monkeypatch, "db.example.com", {}, {})
    with pytest.raises(CommandError, match=f"{STAFF_USERNAME} still has its public"):
        run()


@pytest.mark.parametrize(
    ("where", "host"),
    [
        ("development, this machine", ""),  # the local server's socket
        ("development, this machine", "127.0.0.1"),  # an SSH tunnel, cloud-sql-proxy
        ("development, this machine", "localhost"),
        ("development, another machine", "db.example.com"),
        ("outside development", ""),
        ("outside development", "127.0.0.1"),
    ],
)
@pytest.mark.parametrize(
    "args",
    [
        ["--random-passwords"],
        ["--staff-password", "a-long-staff-passphrase-1", "--member-password", "a-long-member-1"],
        ["--staff-password", "a-long-staff-passphrase-1"],
    ],
)
def test_a_login_still_holding_its_public_password_is_named_wherever_another_is_asked_for(
    settings, monkeypatch, where, host, args
):
    """A database reached through a tunnel is a loopback address, so in development
    the public passwords were the rule there and not checked: after `pipenv run demo`
    had seeded it, `--random-passwords` said "set when the account was created, not
    shown again" and exited 0 while demo-staff still opened with demo-staff-password.
    Whatever the place, an account whose password was asked for (random or typed)
    and that opens with its public one is named, and nothing is written; one left to
    the public password (in development, on this machine) is printed with it."""
    run()
    before = state()
    where_libpq_connects(monkeypatch, host, {}, {})
    if where == "outside development":
        settings.DEVELOPMENT = False
    asked = {STAFF_USERNAME, MEMBER_USERNAME}
    if "--member-password" not in args and "--random-passwords" not in args:
        if where == "outside development":  # both are needed there
            with pytest.raises(CommandError, match="Outside development"):
                run(*args)
            return
        if where == "development, this machine":  # the member's is the public one
            asked = {STAFF_USERNAME}
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo_accounts", *args, stdout=out)
    said, printed = str(refused.value), out.getvalue()
    for username in (STAFF_USERNAME, MEMBER_USERNAME):
        named = f"{username} still has its public development password" in said
        assert named == (username in asked)
        assert (f"manage.py changepassword {username}" in said) == (username in asked)
    assert "not shown again" not in printed
    assert "not the one given" not in printed
    assert printed.count("password still the public development one") == len(asked)
    if MEMBER_USERNAME not in asked:
        assert logins(printed)[MEMBER_USERNAME][0] == DEV_PASSWORDS["member"]
    assert state() == before


@pytest.mark.parametrize(
    "args",
    [
        ["--random-passwords"],
        ["--staff-password", "a-long-staff-passphrase-1", "--member-password", "a-long-member-1"],
    ],
)
@pytest.mark.parametrize("host", ["", "127.0.0.1", "db.example.com"])
def test_a_run_that_names_a_public_login_creates_no_other_and_prints_no_password(
    monkeypatch, args, host
):
    """demo-staff still public, demo-member missing: the run created the member,
    printed its password and then exited 1 for the staff login, so the member's
    only password went out in the output of a failed run and the next run said
    "set when the account was created, not shown again"."""
    run()
    get_user_model().objects.get(username=MEMBER_USERNAME).delete()
    before = state()
    where_libpq_connects(monkeypatch, host, {}, {})
    out = StringIO()
    with pytest.raises(CommandError, match=f"{STAFF_USERNAME} still has its public"):
        call_command("seed_demo_accounts", *args, stdout=out)
    assert state() == before
    assert not get_user_model().objects.filter(username=MEMBER_USERNAME).exists()
    printed = out.getvalue()
    assert "a-long-member-1" not in printed
    assert not re.search(r"password [0-9a-f]{24}", printed)


@pytest.mark.parametrize("password", ["x", "demo-member-password", "12345678"])
def test_a_typed_password_passes_the_validators_on_this_machines_database_too(password):
    """A loopback address may be a tunnel to another machine's database: typed in
    there, the public development password or "x" made the account with it."""
    with pytest.raises(CommandError, match="--member-password"):
        run("--staff-password", "a-long-staff-passphrase-1", "--member-password", password)
    assert not get_user_model().objects.exists()


def test_a_random_password_can_be_typed_back_on_a_command_line():
    """The command prints it to be given again (`--staff-password ...`, over `heroku
    run`): every one must reach the option as its value, unquoted. A base64 one
    starts with "-" one time in 64, and argparse then reads it as an option."""
    parser = Command().create_parser("manage.py", "seed_demo_accounts")
    passwords = {random_password() for _ in range(2000)}
    assert len(passwords) == 2000
    for password in passwords:
        assert shlex.quote(password) == password
        options = parser.parse_args(["--staff-password", password, "--member-password", password])
        assert options.staff_password == options.member_password == password
    assert {len(password) for password in passwords} == {24}  # 96 random bits in hex


def test_a_random_password_typed_back_passes_the_validators(monkeypatch):
    """24 hex digits are all decimal one time in about 76,000, and typed back after
    `--staff-password`, as the docs invite, Django's NumericPasswordValidator
    refused it."""
    drawn = iter(["123456789012345678901234", "1234567890123456789012ab"])
    monkeypatch.setattr(secrets, "token_hex", lambda nbytes: next(drawn))
    password = random_password()
    assert password == "1234567890123456789012ab"
    Command.check_given({"staff": password})


def log_in(client, output: str, username: str) -> None:
    """Log in through the login form with the password the command printed."""
    password = logins(output)[username][0]
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:1000]


def test_staff_login_opens_media_versions_and_runs_the_s3_demonstration(client, fresh_s3):
    call_command("seed_catalog", products=5, verbosity=0)
    log_in(client, run(), STAFF_USERNAME)
    product = Product.objects.first()
    change = client.get(f"/{settings.ADMIN_URL}catalog/product/{product.pk}/change/")
    assert change.status_code == 200
    assert versions_url(product.image.name) in change.content.decode()
    listing = client.get(versions_url(product.image.name))
    assert listing.status_code == 200
    (version,) = versions.list_versions(product.image.name)
    assert version.version_id in listing.content.decode()
    demonstration = client.post("/tour/s3-media/", follow=True)
    assert demonstration.status_code == 200
    assert "bytes identical to the saved ones: yes" in demonstration.content.decode()
    # Least privilege: no user administration, and no one's profile. A shared login
    # listed every account's username and private bio, and could edit any profile,
    # a superuser's included: the seed gives the member its company.
    member = Profile.objects.get(user__username=MEMBER_USERNAME)
    assert member.company is not None
    for page in ("auth/user/", "accounts/profile/", f"accounts/profile/{member.pk}/change/"):
        assert client.get(f"/{settings.ADMIN_URL}{page}").status_code == 403, page


def test_a_group_an_earlier_seed_made_loses_the_profile_permissions():
    run()
    group = Group.objects.get(name=DEMO_STAFF_GROUP)
    earlier = Permission.objects.filter(
        content_type__app_label="accounts", codename__in=["view_profile", "change_profile"]
    )
    group.permissions.add(*earlier)
    run()
    assert not group.permissions.filter(pk__in=earlier).exists()
    assert group.permissions.filter(codename="restore_media").exists()


def test_member_login_shows_the_company_loaded_with_the_user_in_one_query(client):
    log_in(client, run(), MEMBER_USERNAME)
    with record() as log:
        response = client.get("/accounts/profile/")
    assert response.status_code == 200
    assert "Northwind Traders" in response.content.decode()
    (query,) = user_queries(log)
    assert '"accounts_company"' in query.sql
    assert '"accounts_profile"' in query.sql


@pytest.mark.parametrize("doc", ["README.md", "docs/accounts.md"])
def test_the_docs_give_the_development_logins_the_command_prints(doc):
    text = (settings.BASE_DIR / doc).read_text()
    for role, username in (("staff", STAFF_USERNAME), ("member", MEMBER_USERNAME)):
        assert f"`{username}`" in text
        assert f"`{DEV_PASSWORDS[role]}`" in text


def where_libpq_connects(monkeypatch, host: str, options: dict, variables: dict) -> None:
    """The user model's database named by HOST, OPTIONS and libpq's variables as given."""
    database = connections[router.db_for_write(get_user_model())].settings_dict
    monkeypatch.setitem(database, "HOST", host)
    monkeypatch.setitem(database, "OPTIONS", {**database["OPTIONS"], **options})
    for name in ("PGHOST", "PGHOSTADDR", "PGSERVICE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(
    ("host", "options", "variables", "said"),
    [
        ("db.example.com", {}, {}, "db.example.com"),
        ("ec2-1-2-3-4.compute-1.amazonaws.com", {}, {}, "ec2-1-2-3-4.compute-1.amazonaws.com"),
        ("10.0.0.5", {}, {}, "10.0.0.5"),
        # postgres://u:p@/app?host=db.example.com, ?hostaddr=, ?service=, a host list
        ("", {"host": "db.example.com"}, {}, "db.example.com"),
        ("", {"hostaddr": "203.0.113.5"}, {}, "203.0.113.5"),
        ("localhost", {"hostaddr": "203.0.113.5"}, {}, "203.0.113.5"),
        ("", {"service": "prod"}, {}, "the service prod"),
        ("/var/run/postgresql,db.example.com", {}, {}, "db.example.com"),
        # postgres:///app with libpq's variables in the shell
        ("", {"host": ""}, {"PGHOST": "db.example.com"}, "db.example.com"),
        ("", {"host": ""}, {"PGHOSTADDR": "203.0.113.5"}, "203.0.113.5"),
        ("", {"host": ""}, {"PGSERVICE": "prod"}, "the service prod"),
    ],
)
def test_development_against_a_database_elsewhere_gets_random_passwords(
    host, options, variables, said, monkeypatch
):
    """`.env` may name another machine's database (Heroku's own advice copies the
    app's DATABASE_URL there): the public passwords went into it, a staff login
    anyone could use. So they did where libpq was sent elsewhere by other means
    than the URL's host."""
    where_libpq_connects(monkeypatch, host, options, variables)
    output = run()
    assert f"The database is not on this machine ({said})" in output
    created = logins(output)
    assert set(created) == {STAFF_USERNAME, MEMBER_USERNAME}
    for username, (password, _, _) in created.items():
        assert password not in DEV_PASSWORDS.values()
        assert get_user_model().objects.get(username=username).check_password(password)


@pytest.mark.parametrize(
    ("host", "options", "variables"),
    [
        ("", {}, {}),
        ("/var/run/postgresql", {}, {}),
        ("localhost", {}, {}),
        ("127.0.0.1", {}, {}),
        ("::1", {}, {}),
        ("localhost,127.0.0.1", {}, {}),
        ("", {"host": "/srv/pg"}, {}),  # the local server's own URL: ?host=<its folder>
        ("localhost", {"hostaddr": "127.0.0.1"}, {}),
        ("", {"host": ""}, {"PGHOST": "/var/run/postgresql"}),
    ],
)
def test_development_against_a_database_on_this_machine_gets_the_public_ones(
    host, options, variables, monkeypatch
):
    where_libpq_connects(monkeypatch, host, options, variables)
    created = logins(run())
    assert created[STAFF_USERNAME][0] == DEV_PASSWORDS["staff"]


NEW_PASSWORD = "a-new-long-password-9"


@pytest.mark.parametrize("username", [STAFF_USERNAME, MEMBER_USERNAME])
def test_a_shared_login_keeps_its_password_for_every_visitor(client, username):
    """Every visitor of the demo logs in with the same two accounts: one who changed
    the password logged every other visitor out and kept them out."""
    output = run()
    log_in(client, output, username)
    password = logins(output)[username][0]
    pages = ["/accounts/password_change/"]
    if username == STAFF_USERNAME:
        pages.append(f"/{settings.ADMIN_URL}password_change/")
    change = {
        "old_password": password,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    for page in pages:
        shown = client.get(page)
        assert shown.status_code == 403, page
        assert "shared by every visitor of the demo" in shown.content.decode()
        assert client.post(page, change).status_code == 403, page
    assert get_user_model().objects.get(username=username).check_password(password)
    # Any other account still changes its own.
    other = UserFactory()
    client.force_login(other)
    assert client.post(pages[0], {**change, "old_password": PASSWORD}).status_code == 302
    other.refresh_from_db()
    assert other.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("username", [STAFF_USERNAME, MEMBER_USERNAME])
def test_a_shared_login_is_never_told_its_password_was_changed(client, username):
    """The done pages follow a change the shared logins may not make: visited (a
    bookmark, a link passed on) they said "Your password is changed" all the same."""
    output = run()
    log_in(client, output, username)
    pages = [reverse("accounts:password_change_done"), reverse("accounts:password_reset_complete")]
    if username == STAFF_USERNAME:
        pages.append(reverse("admin:password_change_done"))
    for page in pages:
        shown = client.get(page)
        assert shown.status_code == 403, page
        content = shown.content.decode()
        assert "shared by every visitor of the demo" in content
        assert "changed" not in content.lower(), page
    # Any other account, after a real change, reads them as before.
    other = UserFactory(is_staff=True)
    client.force_login(other)
    change = {
        "old_password": PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    done = client.post(reverse("accounts:password_change"), change, follow=True)
    assert "Your password is changed." in done.content.decode()
    assert "Your new password is set." in client.get(pages[1]).content.decode()
    admin_done = client.get(reverse("admin:password_change_done"))
    assert "Your password was changed." in admin_done.content.decode()


def test_the_admin_links_no_password_change_for_the_shared_staff_login(client):
    """The admin's header linked "Change password" for every user with a usable
    password, and the shared login then met a 403: it shows only what it may use."""
    output = run()
    log_in(client, output, STAFF_USERNAME)
    change = reverse("admin:password_change")
    header = client.get(reverse("admin:index")).content.decode().split('id="user-tools"')[1]
    header = header.split("</div>")[0]
    assert f'href="{change}"' not in header
    assert f'action="{reverse("admin:logout")}"' in header
    assert "View site" in header
    # Nor does the site's profile page (docs/accounts.md).
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("accounts:password_change") not in profile
    client.force_login(UserFactory(is_staff=True))
    header = client.get(reverse("admin:index")).content.decode().split('id="user-tools"')[1]
    assert f'href="{change}"' in header.split("</div>")[0]


def test_the_shared_staff_logins_admin_header_keeps_the_documentation_link(client, settings):
    """Django's header links admindocs where a project installs it: the shared
    login's header, which leaves out the password link, keeps that one."""
    settings.ROOT_URLCONF = "tests.accounts.urls_with_admindocs"
    output = run()
    log_in(client, output, STAFF_USERNAME)
    header = client.get(reverse("admin:index")).content.decode().split('id="user-tools"')[1]
    assert f'href="{reverse("django-admindocs-docroot")}"' in header.split("</div>")[0]


def test_the_shared_member_login_keeps_the_profile_its_company_page_shows(client):
    """Its display name and avatar are on a public company page: any visitor could
    have put what they liked there."""
    output = run()
    log_in(client, output, MEMBER_USERNAME)
    profile = Profile.objects.get(user__username=MEMBER_USERNAME)
    assert client.get("/accounts/profile/edit/").status_code == 403
    posted = client.post("/accounts/profile/edit/", {"display_name": "Defaced", "bio": "x"})
    assert posted.status_code == 403
    profile.refresh_from_db()
    assert profile.display_name == "Demo Member"
    assert profile.bio == ""
    assert "Edit your profile" not in client.get("/accounts/profile/").content.decode()


def test_a_release_takes_the_withdrawn_permissions_from_a_group_an_earlier_seed_made():
    """Only a later seed run took them back; a deployed demo runs `migrate` on each
    release (the Procfile's release line), and seeds once."""
    from django.apps import apps

    from accounts.migrations import _demo_group

    run()
    group = Group.objects.get(name=DEMO_STAFF_GROUP)
    earlier = Permission.objects.filter(
        content_type__app_label="accounts", codename__in=["view_profile", "change_profile"]
    )
    group.permissions.add(*earlier)
    _demo_group.withdraw_permissions(apps, None)
    assert not group.permissions.filter(pk__in=earlier).exists()
    assert group.permissions.filter(codename="restore_media").exists()


def test_the_shared_staff_login_gives_a_product_a_new_picture_and_changes_nothing_else(
    client, fresh_s3
):
    """The tour asks staff for a new picture; `change_product` let every visitor of
    the demo rename, reprice, unpublish or publish any product of the public catalog."""
    call_command("seed_catalog", products=3, verbosity=0)
    log_in(client, run(), STAFF_USERNAME)
    product = Product.objects.filter(is_published=True).first()
    page = f"/{settings.ADMIN_URL}catalog/product/{product.pk}/change/"
    form = client.get(page).content.decode()
    assert 'name="image"' in form
    for field in ("name", "slug", "price", "category", "is_published", "description"):
        assert f'name="{field}"' not in form, field
    picture = Image.new("RGB", (40, 30), "teal")
    upload = io.BytesIO()
    picture.save(upload, "PNG")
    upload.seek(0)
    upload.name = "new.png"
    posted = client.post(
        page,
        {
            "image": upload,
            "name": "Renamed",
            "price": "0.01",
            "is_published": "",
            "features-TOTAL_FORMS": "0",
            "features-INITIAL_FORMS": "0",
        },
    )
    assert posted.status_code == 302, posted.content.decode()[:2000]
    changed = Product.objects.get(pk=product.pk)
    assert changed.image.name != product.image.name
    assert (changed.name, changed.price, changed.is_published) == (
        product.name,
        product.price,
        True,
    )
    # The new picture is the product's now, and its versions are open to the login.
    assert client.get(versions_url(changed.image.name)).status_code == 200
    assert client.get(f"/{settings.ADMIN_URL}catalog/product/add/").status_code == 403


def test_the_shared_staff_login_replaces_a_picture_and_never_clears_one(client, fresh_s3):
    """Clearing stores nothing, so no limit counted it, and every visitor of the
    demo shares the login: one could take every product's picture off the public
    catalog in a minute, and the login could not bring one back (a file no row
    holds is a superuser's). Staff who may change only pictures replace them; the
    page offers no Clear box, and a POST that ticks it keeps the picture."""
    call_command("seed_catalog", products=2, verbosity=0)
    log_in(client, run(), STAFF_USERNAME)
    product = Product.objects.order_by("pk").first()
    page = f"/{settings.ADMIN_URL}catalog/product/{product.pk}/change/"
    assert 'name="image-clear"' not in client.get(page).content.decode()
    fields = {"features-TOTAL_FORMS": "0", "features-INITIAL_FORMS": "0"}
    posted = client.post(page, {**fields, "image-clear": "on"})
    assert posted.status_code == 302
    assert Product.objects.get(pk=product.pk).image.name == product.image.name
    # Staff who may change the whole product still clear it.
    editor = UserFactory(is_staff=True)
    for codename in ("view_product", "change_product", "view_feature"):
        editor.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(editor)
    assert 'name="image-clear"' in client.get(page).content.decode()


def test_a_release_leaves_a_group_an_earlier_seed_made_changing_pictures_only():
    from django.apps import apps

    from accounts.migrations import _demo_group

    run()
    group = Group.objects.get(name=DEMO_STAFF_GROUP)
    group.permissions.remove(Permission.objects.get(codename="change_product_image"))
    group.permissions.add(Permission.objects.get(codename="change_product"))
    _demo_group.picture_only(apps, None)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert "change_product_image" in codenames
    assert "change_product" not in codenames


def test_an_account_of_a_demo_name_with_an_address_is_its_owners(client):
    """Made before signup kept the names, or by staff: its owner changes its password
    and profile as anyone does (the seed makes the shared ones without an address)."""
    owner = UserFactory(username=MEMBER_USERNAME, email="owner@example.com")
    client.force_login(owner)
    assert client.get("/accounts/profile/edit/").status_code == 200
    change = {
        "old_password": PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    assert client.post("/accounts/password_change/", change).status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)


def test_staff_who_may_add_products_and_change_pictures_get_the_whole_add_page(client, fresh_s3):
    """Picture-only is for an existing product: the add page made read-only saved a
    product without a price or category, a 500 after its picture was stored."""
    user = UserFactory(is_staff=True)
    for codename in ("add_product", "change_product_image", "view_product"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    form = client.get(f"/{settings.ADMIN_URL}catalog/product/add/").content.decode()
    for field in ("name", "slug", "price", "category", "image"):
        assert f'name="{field}"' in form, field
