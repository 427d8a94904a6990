"""The event catalogue and shared API error format: the only code services share.

Import from the submodules (`contracts.catalogue`, `contracts.envelope`, `contracts.problem`);
nothing is built or registered at import of this package.
"""
