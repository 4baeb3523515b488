"""The director's workflow: who may do what, invites, periods, assignments and progress.

These functions hold the rules; the chat engine and the command line both call them, so an
operator at the terminal and a director in chat get the same behaviour and the same checks.
"""
