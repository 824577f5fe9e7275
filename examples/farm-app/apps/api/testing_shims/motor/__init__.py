"""Test-only stand-in for motor (not packaged by Debian).

Only what apps/api/src/main.py touches at start-up: a client whose default
database the beanie shim's init_beanie accepts. Never used outside tests.
"""
