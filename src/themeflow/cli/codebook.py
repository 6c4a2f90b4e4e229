"""`themeflow codebook lint|show`."""
