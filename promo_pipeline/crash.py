"""Named crash points for the crash-safety tests.

``crash.point("after_photo_write")`` kills the process on the spot (``os._exit``, no cleanup,
like ``kill -9``) when the environment variable ``PROMO_CRASH_AT`` names that point. Outside
the tests the variable is unset and a point costs one dictionary lookup.
"""

from __future__ import annotations

import os

ENV = "PROMO_CRASH_AT"
EXIT_CODE = 137


def point(name: str) -> None:
    if os.environ.get(ENV) == name:
        os._exit(EXIT_CODE)
