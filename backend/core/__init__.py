"""Cross-cutting pieces every app uses: the domain error, the on-commit task queue, logging, health."""
