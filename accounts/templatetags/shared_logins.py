"""`{{ user|is_shared_login }}`: whether `user` is one of the demo's logins every
visitor shares (accounts/demo_accounts.py), for pages that leave out what such a
login may not use (its password change)."""

from django import template

from accounts import demo_accounts

register = template.Library()
register.filter("is_shared_login", demo_accounts.is_shared_login)
