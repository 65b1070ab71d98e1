"""Custodial escrow of model weights: sealed deposits, k-of-n key shares, custody checks, release."""
