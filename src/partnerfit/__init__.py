"""partnerfit: choose shared-service partners for UK councils."""

__version__ = "0.1.0"
