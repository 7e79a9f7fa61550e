"""Standing orders: a member's recurring instruction to move money on a schedule."""
