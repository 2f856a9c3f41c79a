"""One middleware chain for every test client of a process, as a web process has.

Django's test `Client` builds the whole middleware stack again for each Client
it makes. WhiteNoise's middleware reads every file of STATIC_ROOT when built
(about 0.3 s here), so a test making forty clients (one per network, in the login
limits) spent most of its time there. A web process builds its chain once and
serves every request with it; the test clients now share one the same way.

Middleware read settings when built, so any settings change (pytest-django's
`settings`, `override_settings`: both send `setting_changed`) drops the shared
chain and the next request builds it afresh under the new settings.
"""

from django.test.client import ClientHandler
from django.test.signals import setting_changed

# What BaseHandler.load_middleware sets on the handler.
BUILT = (
    "_view_middleware",
    "_template_response_middleware",
    "_exception_middleware",
    "_middleware_chain",
)
_chains: dict[bool, tuple] = {}  # is_async -> the values of BUILT
_build = ClientHandler.load_middleware


def load_middleware(handler: ClientHandler, is_async: bool = False) -> None:
    if is_async not in _chains:
        _build(handler, is_async)
        _chains[is_async] = tuple(getattr(handler, name) for name in BUILT)
    for name, value in zip(BUILT, _chains[is_async], strict=True):
        setattr(handler, name, value)


def forget(**kwargs) -> None:
    _chains.clear()


def share(patch) -> None:
    """Make every test client of this process share its chain (`patch`: a MonkeyPatch)."""
    patch.setattr(ClientHandler, "load_middleware", load_middleware)
    setting_changed.connect(forget, dispatch_uid=__name__)
