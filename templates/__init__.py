"""Built-in image templates, installed as the package promo_pipeline._templates."""
