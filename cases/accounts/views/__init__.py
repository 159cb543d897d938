"""Pages of login security: login, password, the second factor, and the
administrator's lockouts and accounts."""
