"""themeflow themes command (in progress)."""
