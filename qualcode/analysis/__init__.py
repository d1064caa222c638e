"""Pure pandas analysis: tidy frames in (from :mod:`qualcode.frames`), tidy frames out.

Nothing here touches the database, the NLP pipeline or a UI. Split by noun:

- :mod:`~qualcode.analysis.frequencies` -- codings, segments, documents, informants, words per code;
- :mod:`~qualcode.analysis.matrix` -- code x attribute crosstabs, case x code tables, 0/1 presence;
- :mod:`~qualcode.analysis.stats` -- Fisher's exact test / chi-square with small-N warnings;
- :mod:`~qualcode.analysis.cooccurrence` -- codes x codes (segments or overlapping spans), Jaccard;
- :mod:`~qualcode.analysis.agreement` -- percent agreement, Cohen's kappa, Krippendorff's alpha;
- :mod:`~qualcode.analysis.framework` -- informants x codes with quotes and memos.
"""

from qualcode.analysis.agreement import AgreementResult, agreement, cohen_kappa, krippendorff_alpha_nominal
from qualcode.analysis.common import attribute_names, overlap_pairs, with_attributes
from qualcode.analysis.cooccurrence import cooccurrence, cooccurrence_long
from qualcode.analysis.framework import framework_long, framework_matrix
from qualcode.analysis.frequencies import frequencies
from qualcode.analysis.matrix import MEASURES, code_matrix, matrix_long, presence_table, to_wide
from qualcode.analysis.stats import CAVEAT, compare_groups, mentions

__all__ = [
    "AgreementResult", "CAVEAT", "MEASURES", "agreement", "attribute_names", "code_matrix", "cohen_kappa",
    "compare_groups", "cooccurrence", "cooccurrence_long", "framework_long", "framework_matrix", "frequencies",
    "krippendorff_alpha_nominal", "matrix_long", "mentions", "overlap_pairs", "presence_table", "to_wide",
    "with_attributes",
]
