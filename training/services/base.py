class TrainingError(Exception):
    """A refused training action, with a message for the person who asked."""
