"""A provider's users without the Django admin.

Officers invite people by e-mail from the organisation's Users tab; the person follows a
one-time link, chooses a password and lands in the portal. An organisation's lead may invite
colleagues from the portal. Officers re-send or withdraw invitations, make or unmake leads and
switch users off and on. Writes are in ``services``, reads in ``selectors``.
"""
