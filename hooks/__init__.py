"""The git hook shim that `aud hooks install` fills in (shipped as package data)."""
