"""The liability pool: a fund with its own account, called from stress tests, paying harmed parties."""
