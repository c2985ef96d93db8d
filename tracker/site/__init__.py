"""The static status site: data, figures, feeds, the build and its cache."""
