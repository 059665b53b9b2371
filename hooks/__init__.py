"""Templates, not this repository's own hooks: see README.md beside this file."""
