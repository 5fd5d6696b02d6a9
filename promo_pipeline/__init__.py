"""Promo Pipeline: lelang.go.id lots → branded, reviewed social-media posts.

The pipeline, in order, one module (or folder) per stage::

    collect  fetch → parse → photos → lots     lelang.go.id JSON → Lot records (lots.py owns them)
    render   render/                           Lot → branded images (render/images.py: images)
    captions captions                          Lot → Indonesian caption per channel, and its lint
    queue    queue/                            images + captions → Post, pending review
    review   review/ (page), accounts          reviewers approve, reject, edit
    publish  publish/                          approved Post → channels, through an outbox
    evaluate outcomes, insights/, report/      what became of lots, the platforms' numbers,
                                               the monthly report (HTML + CSV)

and around it: ``pipeline`` (one run: collect → render → queue), ``schedule`` (the daemon),
``notify`` (tell reviewers), ``runs`` (every run recorded, one summary), ``present`` (the words
staff read), ``cli/`` (the ``promo`` command).

Each table has one owner module that alone speaks SQL to it and returns frozen records
(:mod:`promo_pipeline.database` lists them); :mod:`promo_pipeline.store` opens the database and
knows no table. :mod:`promo_pipeline.clock` is the one clock. The CLI (:mod:`promo_pipeline.cli`),
the scheduler (:mod:`promo_pipeline.schedule`) and the tests all call the same library functions.
"""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
