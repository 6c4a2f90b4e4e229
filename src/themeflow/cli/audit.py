"""themeflow audit command (in progress)."""
