"""Filling a table question from a spreadsheet (.xlsx or .csv) a member already has."""
