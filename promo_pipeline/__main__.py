"""`python -m promo_pipeline` is the same as the `promo` console script."""

from promo_pipeline.cli import main

if __name__ == "__main__":
    main()
