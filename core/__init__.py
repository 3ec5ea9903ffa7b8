"""What every app shares, importing no app: database helpers, bilingual names, the one
transition checker, and the request plumbing (control characters, security headers, a
cache that survives Redis going away, messages shown once). No models."""
