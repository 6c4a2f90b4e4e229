"""The `themeflow` command: thin typer commands over the library (one module per command)."""
