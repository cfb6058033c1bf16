"""Victims' Code compliance: the Code's rights by edition, the measures criminal justice bodies
report each quarter, the joint review meetings and their actions, and the quarterly pack."""
