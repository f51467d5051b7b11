"""Drawing: text renderings for the terminal. Draws, never computes."""
