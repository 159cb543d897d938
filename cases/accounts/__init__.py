"""Accounts and login security: the lockout of repeated wrong passwords
(django-axes), the second factor for the roles that approve or pay money and
for administrators (django-otp), expiring API tokens stored hashed
(django-rest-knox), their audit events, and the administrator's pages."""
