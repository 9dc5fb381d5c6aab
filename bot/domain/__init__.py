"""Pure domain: plain dataclasses and functions, no I/O, no SDK."""
