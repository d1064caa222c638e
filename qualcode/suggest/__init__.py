"""NLP-assisted code suggestions: local, explained, and learning from every accept and reject.

- :mod:`qualcode.patterns` (beside this package): the keyword pattern language of the codebooks;
- ``features``: per-token features (lemmas, compound edges) and the pattern-hit block;
- ``learned``: the multi-label logistic model and its blend with the pattern suggester;
- ``project``: read a project's human decisions, train, score, store pending suggestions;
- ``queue``: the review queue (uncertainty or confidence), accept / reject / skip, more like this;
- ``report``: the suggester as a coder, cross-validated by document;
- ``evaluate``: evaluation on theme-labelled quotes.

Suggestions never become codings without a person's accept; interviewer turns are never suggested.
"""
