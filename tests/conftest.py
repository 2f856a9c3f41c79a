import pytest
from django.core.management import call_command


@pytest.fixture(scope="session", autouse=True)
def collected_static():
    """Pages render hashed static URLs from the manifest, as in production."""
    call_command("collectstatic", "--noinput", verbosity=0)
