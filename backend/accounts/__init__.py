"""Users, organisations, roles scoped to objects, API tokens, allauth adapters and the MFA policy."""
