"""themeflow exchange command (in progress)."""
