"""Built-in caption templates (promo_pipeline._templates.captions)."""
