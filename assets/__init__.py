"""Built-in assets, installed as the package promo_pipeline._assets."""
