"""themeflow run command (in progress)."""
