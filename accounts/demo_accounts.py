"""Demo companies and the two accounts a visitor of the demo logs in with.

`ensure_demo_accounts(staff_password=..., member_password=...)` creates what is
missing and never changes what exists (but for taking WITHDRAWN_PERMISSIONS back
from the group): a few companies with members (who cannot
log in), the group DEMO_STAFF_GROUP with the permissions a staff demo needs, a
staff account in that group, and a member account whose profile has a company.
It returns one `DemoLogin` per account, saying whether the given password still
opens it. An account someone else already made under a demo username is left
as it is (no permission is ever added to an existing account).

Hashing a password is slow by design (PBKDF2: about a second of CPU here), and the
demo runs this at every start. An account made now has the password it was given,
unhashed again; `known_hashes` maps a password to a hash of it made once (the
public development passwords', `seed_demo_accounts`): a new account gets that
hash, and an existing one whose stored hash is that string has that password,
with no hashing. Any other stored hash is checked by hashing.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.text import slugify

from accounts import usernames
from accounts.models import Company
from accounts.profiles import create_user_with_profile, profile_of

STAFF_USERNAME = "demo-staff"
MEMBER_USERNAME = "demo-member"
DEMO_STAFF_GROUP = "Demo staff"
# Logins every visitor of the demo shares: what one changes of the account itself,
# it changes for all (accounts/views.py `not_for_shared_logins`).
SHARED_LOGINS = (STAFF_USERNAME, MEMBER_USERNAME)

# Least privilege for what the tour asks staff to do: restore media versions and
# run the S3 demonstration, and give a product a new image (the versions page then
# has something to show), changing nothing else of it. No add or delete, no users,
# no groups, no profiles.
DEMO_STAFF_PERMISSIONS = (
    "media.restore_media",
    "catalog.view_category",
    "catalog.view_product",
    "catalog.change_product_image",
    "catalog.view_feature",
    "accounts.view_company",
)
# What earlier versions gave the group, taken back from it on the next run and by
# migrations (accounts/migrations/_demo_group.py): the profile list showed every
# account's username and private bio to a login shared by the demo's visitors, and
# let it edit any profile, a superuser's included (the seed gives the member its
# company); changing products let every visitor rename, reprice or unpublish them.
WITHDRAWN_PERMISSIONS = (
    "accounts.view_profile",
    "accounts.change_profile",
    "catalog.change_product",
)

# (name, slug, member display names): members make the company pages real.
COMPANIES = (
    ("Northwind Traders", "northwind-traders", ("Ines Duarte", "Tomás Lindqvist")),
    ("Copperleaf Studio", "copperleaf-studio", ("Mei Tanaka", "Ravi Menon", "Lena Vogel")),
    ("Harbor Logistics", "harbor-logistics", ("Sam Okafor",)),
)
MEMBER_DISPLAY_NAME = "Demo Member"


@dataclass(frozen=True)
class DemoLogin:
    role: str  # "staff" or "member"
    username: str
    password: str | None  # None: the account does not open with the password given
    created: bool
    ready: bool  # the account is what the demo needs (staff in the group; member in a company)
    company: str = ""


def _permissions(names=DEMO_STAFF_PERMISSIONS) -> list[Permission]:
    found = []
    for dotted in names:
        app_label, codename = dotted.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def _companies() -> list[Company]:
    companies = []
    for name, slug, members in COMPANIES:
        company, created = Company.objects.get_or_create(
            slug=slug, defaults={"name": name, "website": f"https://{slug}.example.com/"}
        )
        if created:
            for display_name in members:
                username = f"demo-{slugify(display_name.split()[0])}"
                if usernames.taken(get_user_model().objects.all(), username):
                    continue  # someone has that name, in any case: leave their account alone
                # No usable password: these members fill the company page, nobody logs in.
                user = get_user_model().objects.create_user(username=username, password=None)
                user.profile.display_name = display_name
                user.profile.company = company
                user.profile.save(update_fields=["display_name", "company"])
        companies.append(company)
    return companies


def usable_hash(known_hashes: Mapping[str, str], password: str) -> str | None:
    """`known_hashes[password]` when it is what hashing `password` now would give but
    for the salt: Django's current hasher, with its current work factor. Else None,
    and the password is hashed as usual (a hasher changed by settings or a Django
    upgrade, or a password with no hash made)."""
    encoded = known_hashes.get(password)
    if encoded is None:
        return None
    try:
        identified = identify_hasher(encoded)
    except ValueError:  # its hasher is not in PASSWORD_HASHERS
        return None
    # As a login decides whether to hash again: by the preferred hasher (the first
    # listed), which another of the same algorithm name may precede.
    preferred = get_hasher()
    if identified.algorithm != preferred.algorithm or preferred.must_update(encoded):
        return None
    return encoded


def _create(*, username: str, password: str, known_hash: str | None, **profile):
    user = create_user_with_profile(
        username=username, email="", password=None if known_hash else password, **profile
    )
    if known_hash:
        user.password = known_hash
        user.save(update_fields=["password"])
    return user


def _opens(user, password: str, created: bool, known_hash: str | None) -> bool:
    """Whether `password` is `user`'s, hashing it only when that cannot be told
    otherwise. Never writes: `user.check_password` would save a new hash of it
    whenever Django's hasher would make another one now."""
    if created or (known_hash is not None and user.password == known_hash):
        return True
    return check_password(password, user.password)


def opens_with(username: str, password: str, known_hashes: Mapping[str, str]) -> bool:
    """Whether the active account named exactly `username` logs in with `password`
    (never writes)."""
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}, is_active=True).first()
    return user is not None and _opens(user, password, False, usable_hash(known_hashes, password))


def _named(users, username: str):
    """The account named `username` in any case, or None: one spelled otherwise is
    not the demo's, and a second beside it would stand in every list and log (signup
    and the admin refuse that). The exact spelling first, where an older database
    has both."""
    return min(
        users.filter(username__in=usernames.taken(users, username)),
        key=lambda user: user.username != username,
        default=None,
    )


@transaction.atomic
def ensure_demo_accounts(
    *,
    staff_password: str,
    member_password: str,
    known_hashes: Mapping[str, str] = MappingProxyType({}),
) -> list[DemoLogin]:
    """Create what is missing (see the module docstring); change nothing that exists."""
    staff_hash = usable_hash(known_hashes, staff_password)
    member_hash = usable_hash(known_hashes, member_password)
    companies = _companies()
    group, _ = Group.objects.get_or_create(name=DEMO_STAFF_GROUP)
    group.permissions.add(*_permissions())  # adds only what is missing
    group.permissions.remove(*_permissions(WITHDRAWN_PERMISSIONS))
    users = get_user_model().objects.select_related("profile__company")

    staff = _named(users, STAFF_USERNAME)
    staff_created = staff is None
    if staff_created:
        staff = _create(
            username=STAFF_USERNAME,
            password=staff_password,
            known_hash=staff_hash,
            display_name="Demo Staff",
        )
        staff.is_staff = True
        staff.save(update_fields=["is_staff"])
        staff.groups.add(group)

    member = _named(users, MEMBER_USERNAME)
    member_created = member is None
    if member_created:
        member = _create(
            username=MEMBER_USERNAME,
            password=member_password,
            known_hash=member_hash,
            display_name=MEMBER_DISPLAY_NAME,
        )
        member.profile.company = companies[0]
        member.profile.save(update_fields=["company"])

    company = profile_of(member).company  # made again if someone deleted it
    return [
        DemoLogin(
            "staff",
            STAFF_USERNAME,
            staff_password if _opens(staff, staff_password, staff_created, staff_hash) else None,
            staff_created,
            ready=staff.username == STAFF_USERNAME
            and staff.is_active
            and staff.is_staff
            and staff.groups.filter(pk=group.pk).exists(),
        ),
        DemoLogin(
            "member",
            MEMBER_USERNAME,
            member_password
            if _opens(member, member_password, member_created, member_hash)
            else None,
            member_created,
            ready=member.username == MEMBER_USERNAME and member.is_active and company is not None,
            company=company.name if company else "",
        ),
    ]


def is_reserved(username: str) -> bool:
    """Whether signup keeps `username` for a shared login, in any case."""
    return usernames.key(username) in {usernames.key(name) for name in SHARED_LOGINS}


def is_shared_login(user) -> bool:
    """Whether `user` is one of the demo's logins every visitor shares: the seed makes
    them under SHARED_LOGINS without an e-mail address. An account of such a name
    made otherwise (signup refuses the names, and always asks for an address) is
    its owner's."""
    return user.is_authenticated and user.get_username() in SHARED_LOGINS and not user.email


def names_a_shared_login(username: str) -> bool:
    """Whether a login under `username` is to a shared login (`is_shared_login`): the
    account the login's exact-name lookup finds is the seed's, without an address."""
    if username not in SHARED_LOGINS:
        return False
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    return user is not None and is_shared_login(user)
