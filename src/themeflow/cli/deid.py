"""themeflow deid command (in progress)."""
