"""The steps of answering a report: the menu, a question, table rows, list items, failed
checks, the section's review, the draft and a spreadsheet's import."""
