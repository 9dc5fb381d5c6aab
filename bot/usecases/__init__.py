"""Use cases: take collaborators as arguments, speak only in domain terms."""
