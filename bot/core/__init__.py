"""Leaves: clock, numbers and number words, rates, digits, settings, the neutral replies."""
