"""Deadline reminders: policy, what is owed, the plan, the sweep and its sender seam."""
