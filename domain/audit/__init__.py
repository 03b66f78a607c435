"""The audit log: hash-chained entries, Merkle checkpoints, verification."""
