"""Pure card builders: domain objects in, Adaptive Cards (schema 1.5) out."""
