"""The conversation's steps, one module per part of the journey; flows/step_table.py maps every
state to its step."""
