"""Where a password reset mail links, through the Procfile's web line.

Django checks a request's Host against ALLOWED_HOSTS without its port, and its
reset form links to the Host as sent: a stranger asking for a reset of someone
else's address made that person's mail link to a port of the stranger's choice
(`Host: reference-app.herokuapp.com:99999`). Here gunicorn serves on its own port
(the dyno's $PORT) and the requests come as Heroku's router forwards them: in
production the link carries no port whatever the Host says; in development (the
demo) it carries the port gunicorn listens on. The rule: accounts.forms.site_origin.
"""

import re

import pytest

from tests.deploy.client import RouterClient
from tests.processes import (
    HEROKU_HOST,
    manage,
    production_env,
    released_database,
    serving,
    wait_for,
)

PASSWORD = "a-long-enough-passphrase"
LINK = re.compile(r"(https?://\S*?)/accounts/reset/\S+/\S+/")


def make_users(env: dict[str, str], names: list[str]) -> None:
    code = (
        "from django.contrib.auth.models import User\n"
        f"for name in {names!r}:\n"
        f"    User.objects.create_user(name, name + '@example.com', {PASSWORD!r})\n"
    )
    made = manage("shell", "--no-imports", "-c", code, env=env)
    assert made.returncode == 0, made.stderr


def reset(web, name: str, headers: dict[str, str]) -> None:
    """Ask for a reset of `name`'s account from a new browser, with these headers."""
    client = RouterClient(web.port, host=headers.pop("Host", HEROKU_HOST))
    reply = client.submit(
        "/accounts/password_reset/", {"email": f"{name}@example.com"}, headers=headers
    )
    assert (reply.status, reply.header("Location")) == (302, "/accounts/password_reset/done/")


def links_by_recipient(mails: list[str]) -> dict[str, list[str]]:
    """Each mail's recipient's name and the scheme and host its reset links name."""
    links = {}
    for mail in mails:
        [to] = re.findall(r"^To: (\S+)@example\.com$", mail, re.MULTILINE)
        links[to] = LINK.findall(mail)
    return links


@pytest.fixture(scope="module")
def database():
    return released_database("reset_link")


VARIANTS = {
    "another-port": {"Host": f"{HEROKU_HOST}:99999"},
    "the-dynos-port": {},  # Host: the app's host with gunicorn's own port (below)
    "no-port": {"Host": HEROKU_HOST, "X-Forwarded-Port": "443"},  # as the router sends it
    "https-port": {"Host": f"{HEROKU_HOST}:443"},
    "forwarded-port": {"Host": HEROKU_HOST, "X-Forwarded-Port": "99999"},
}


def test_in_production_the_link_has_no_port(database, tmp_path):
    """Heroku's router serves 443 (and 80, which the site redirects): the dyno's
    $PORT, the Host's port and X-Forwarded-Port all stay out of the link."""
    env = production_env(DATABASE_URL=database, MAIL_DIR=str(tmp_path))
    names = [f"prod-{variant}" for variant in VARIANTS]
    make_users(env, names)
    with serving(env, options="--config tests/deploy/filed_mail_gunicorn.py") as web:
        for name, headers in zip(names, VARIANTS.values(), strict=True):
            reset(web, name, {"Host": f"{HEROKU_HOST}:{web.port}", **headers})
        wait_for(lambda: len(filed_mails(tmp_path)) == len(names))
    assert links_by_recipient(filed_mails(tmp_path)) == {
        name: [f"https://{HEROKU_HOST}"] for name in names
    }


def filed_mails(folder) -> list[str]:
    """The mails Django's file backend wrote to `folder`. Not a file each: it names a
    file by the second and its own id(), which a backend made after another one was
    freed may reuse, and it then adds its mail to that file (seen once, as a run
    waited 30 s for a fifth file)."""
    text = "".join(path.read_text() for path in sorted(folder.iterdir()))
    return [mail for mail in text.split("-" * 79) if re.search(r"^To: ", mail, re.MULTILINE)]


DEVELOPMENT_HOSTS = {
    "dev-another-port": ("localhost:99999", "localhost"),
    "dev-no-port": ("localhost", "localhost"),
    "dev-http-port": ("localhost:80", "localhost"),
    "dev-ipv6": ("[::1]:99999", "[::1]"),
}


def test_in_development_the_link_has_gunicorns_port(database):
    """The demo's web line: the server's own scheme and port, whatever the request
    says, X-Forwarded-Proto included (gunicorn reads no scheme header, and
    config/wsgi.py sets the router's scheme in production alone)."""
    env = production_env(DATABASE_URL=database, ENVIRONMENT="development")
    make_users(env, list(DEVELOPMENT_HOSTS))
    with serving(env) as web:
        for name, (host, _) in DEVELOPMENT_HOSTS.items():
            reset(web, name, {"Host": host})  # with the router's X-Forwarded-Proto: https
        # The console backend: each mail is in the web line's output.
        wait_for(lambda: len(LINK.findall(web.output())) == len(DEVELOPMENT_HOSTS))
        mails = web.output().split("-" * 79)
    assert links_by_recipient(mails[:-1]) == {
        name: [f"http://{domain}:{web.port}"] for name, (_, domain) in DEVELOPMENT_HOSTS.items()
    }
