"""Insights: what the platforms say people saw and did with the office's published posts.

Settings read: ``report.insights_days`` (through :func:`~promo_pipeline.insights.fetch.fetch_due`),
the publishing channels' settings and tokens (``[publish.facebook]``, ``[publish.instagram]``,
``PROMO_FACEBOOK_TOKEN``, ``PROMO_INSTAGRAM_TOKEN``).

- :mod:`.samples` owns the time series (table ``insight_samples``), light (sqlite-utils only);
- :mod:`.fetch` asks each platform through its documented API, with the publishing clients
  (:class:`promo_pipeline.publish.graph.GraphAPI`) and their error tables.

What each platform offers (Graph API v26.0): Facebook Page post insights
(``post_total_media_view_unique`` = reach, ``post_media_view`` = views — Meta retired the
``impressions`` metrics on 15 Nov 2025 —, ``post_reactions_by_type_total``,
``post_clicks_by_type`` for link clicks) plus the post's ``shares`` and comment count;
Instagram media insights (``reach``, ``views``, ``likes``, ``comments``, ``saved``, ``shares``,
``total_interactions``; ``impressions`` is gone for media made after 1 July 2024). Telegram: the
Bot API gives a bot no view counts or reactions for channel posts (a channel's ``views`` are
shown to people and to MTProto user clients, not returned by any Bot API method), so Telegram
posts have no numbers and the report says so.
"""
