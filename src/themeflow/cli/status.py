"""themeflow status command (in progress)."""
