"""The hash-chained, append-only audit log: recording, verification and checkpoints."""
