"""Model rules, one module a rule: pure functions on numpy arrays, each cited in docs/ODD.md.

Keeping rules pure (state in, state out, randomness passed in as a Generator) makes each one
unit-testable on its own and lets the model apply it to thousands of agents at once.
"""
