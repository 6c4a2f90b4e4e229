"""themeflow agree command (in progress)."""
