"""Profile-joined auth: the logged-in user loaded with its profile (and company) in ONE
query on every request, where Django's ModelBackend needs one per relation.

Public API, Django alone (settings lines in docs/accounts.md, "Use it in your project"):

- `backends.ProfileModelBackend`: ModelBackend whose `get_user` follows
  `settings.ACCOUNTS_USER_SELECT_RELATED` (default `("profile", "profile__company")`)
  with select_related, a query compiled once and then only run (`statement.py`);
- `middleware.SessionBackendUpgradeMiddleware`: sessions logged in under Django's
  ModelBackend (or this backend's former path) move onto it, nobody logged out;
- the app (`accounts.profile_auth` in INSTALLED_APPS) registers a system check that
  every path in the setting is a foreign-key or one-to-one chain from the user.

`tour` is this site's /tour/auth-backend/ page; it needs the site's models and tour
templates, and is the one module to leave behind when copying the unit.
"""
