"""Focus: bring a session's terminal in front, from what its record says about where it lives."""
