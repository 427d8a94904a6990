"""documents's read models, kept in step with its events in the append's transaction: the
documents with their versions and activity (documents.py)."""
from services.documents.projections.documents import DocumentList


def all_projections() -> list:
    return [DocumentList()]
