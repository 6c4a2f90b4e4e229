"""`themeflow code`: stage 02."""
