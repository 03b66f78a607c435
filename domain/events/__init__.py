"""Domain events: recorded in the transaction of the change, released to subscribers after commit."""
