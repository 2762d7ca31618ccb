"""s2sad's test suite (a package, so the corpus can import its helper modules relatively)."""
