import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config.local import postgres as localdb


def test_tests_run_on_postgresql():
    assert connection.vendor == "postgresql"


def test_a_server_that_cannot_start_explains_itself(tmp_path):
    missing_parent = tmp_path / "no-such-folder" / "pgdata"
    with pytest.raises(ImproperlyConfigured, match="could not start") as caught:
        localdb.database_url(missing_parent)
    assert "DATABASE_URL" in str(caught.value)
