"""Matplotlib figures for partnerfit results.

Each submodule imports matplotlib lazily, inside its functions, so that
``import partnerfit`` never loads matplotlib.
"""
