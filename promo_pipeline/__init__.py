"""Promo Pipeline: lelang.go.id lots → branded, reviewed social-media posts.

The pipeline, one module per stage::

    collect (fetch → parse → photos → store) → render → captions → queue → review → publish

The CLI (:mod:`promo_pipeline.cli`), the scheduler (:mod:`promo_pipeline.schedule`) and the tests
all call the same library functions.
"""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
