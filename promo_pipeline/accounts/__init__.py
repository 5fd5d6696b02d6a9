"""Reviewer accounts: who may review, and logging in.

- :mod:`~promo_pipeline.accounts.users`: the accounts (``users``), :class:`User`, passwords,
  the office rule (:meth:`User.may_review`), the admin rules and the named-approval rule
  (:func:`require_reviewer`);
- :mod:`~promo_pipeline.accounts.logins`: server-side sessions (``review_sessions``) and login
  throttling (``login_failures``, ``login_known``);
- :mod:`~promo_pipeline.accounts.schema`: the ``review`` migration set of those tables.

Settings read: ``review.session_hours``, ``review.max_login_failures``, ``review.lockout_minutes``
(passed in by the caller). The public names are re-exported here; the CLI, the review page and
the queue call ``accounts.<name>``.
"""

from promo_pipeline.accounts.logins import (
    ACCOUNT,
    ADDRESS,
    FIRST_WAIT_SECONDS,
    KNOWN_DAYS,
    LoginWait,
    create_session,
    end_session,
    end_sessions_of,
    forget_account,
    is_known,
    login_wait,
    record_failure,
    record_success,
    session_user,
)
from promo_pipeline.accounts.schema import migrations
from promo_pipeline.accounts.users import (
    ADMIN,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    REVIEWER,
    ROLES,
    User,
    add_user,
    check_name,
    check_offices,
    check_password,
    check_role,
    count_users,
    get_user,
    list_users,
    remove_user,
    require_reviewer,
    reviewers_of,
    update_user,
    verify,
)

__all__ = [
    "ACCOUNT", "ADDRESS", "ADMIN", "FIRST_WAIT_SECONDS", "KNOWN_DAYS", "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH", "REVIEWER", "ROLES", "LoginWait", "User", "add_user", "check_name",
    "check_offices", "check_password", "check_role", "count_users", "create_session",
    "end_session", "end_sessions_of", "forget_account", "get_user", "is_known", "list_users",
    "login_wait", "migrations", "record_failure", "record_success", "remove_user",
    "require_reviewer", "reviewers_of", "session_user", "update_user", "verify",
]
