"""Delivery plans: the tree (priorities, objectives, activities), its metrics and their values,
publication, and the plan's versions with the differences between them."""
