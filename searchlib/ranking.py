"""Ranking: every weight in one place, and the Whoosh weighting model that uses them.

Score of a passage = BM25F over body and heading path (field weights below)
× (1 + CONCRETENESS_WEIGHT × concreteness), where concreteness ∈ [0, 1] is computed
at index time (figures, named instruments, enumerated measures, concrete verbs
against boilerplate; see figures.py). Multiplying keeps an off-topic passage off
the list however many numbers it has: it needs a topical score to multiply.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from whoosh import scoring


@dataclass(frozen=True)
class RankingConfig:
    # title is searchable with title:…; in plain queries it adds nothing on the dev judgements
    # (0.3 → 0.0 changed no score) and would cost a matcher per term
    field_weights: dict = field(default_factory=lambda: {"body": 1.0, "heading": 0.6})
    K1: float = 1.2
    B: float = 0.75
    body_B: float = 0.6          # passages are short and similar in length; soften length normalisation
    phrase_bonus: float = 1.5    # a concept matched as a phrase vs as loose words
    synonym_weight: float = 0.6  # expanded terms weigh less than what the user typed
    coord_scale: float = 0.9     # coordination bonus for passages matching more concepts
    partial_weight: float = 0.3  # a multi-word concept matched by only some of its words ...
    partial_max_df: float = 0.05  # ... of those in at most this share of passages
    relax_below: int = 10        # a one-word concept in fewer passages than this also matches its parts
    kind_boost: float = 3.0      # a passage in the section kind the query names (存在的问题 → problems)
    concreteness_weight: float = 1.5   # plateau 1.5-3 on the dev set; 0 → 0.931, 0.6 → 0.944
    figures_boost: float = 1.5   # added when the query asks for a quantity and the passage has figures
    unit_boost: float = 2.0      # added when the passage counts in the unit the query names


DEFAULT_RANKING = RankingConfig()


class PolicyWeighting(scoring.BM25F):
    """BM25F × (1 + W × concreteness), the factor applied per posting by the scorer.

    Doing it in the scorer rather than in ``final()`` keeps Whoosh's block-quality
    skipping: a block's best score is bounded by its best BM25 × (1 + W), so the
    top-k collector can still skip blocks that cannot enter the top k."""

    def __init__(self, config: RankingConfig = DEFAULT_RANKING):
        super().__init__(B=config.B, K1=config.K1, body_B=config.body_B)
        self.config = config
        self._columns = {}

    def column(self, reader):
        """The concreteness column of a (segment) reader, cached while it is open."""
        key = id(reader)
        col = self._columns.get(key)
        if col is None or col[0] is not reader:
            if len(self._columns) > 64:
                self._columns.clear()
            col = self._columns[key] = (reader, reader.column_reader("concreteness"))
        return col[1]

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        B = self._field_B.get(fieldname, self.B)
        if not self.config.concreteness_weight:
            return scoring.BM25FScorer(searcher, fieldname, text, B, self.K1, qf=qf)
        return ConcreteScorer(searcher, fieldname, text, B, self.K1, qf,
                              self.column(searcher.reader()), self.config.concreteness_weight)


class ConcreteScorer(scoring.BM25FScorer):
    def __init__(self, searcher, fieldname, text, B, K1, qf, column, weight):
        super().__init__(searcher, fieldname, text, B, K1, qf=qf)
        self._column = column
        self._w = weight

    def score(self, matcher):
        return super().score(matcher) * (1.0 + self._w * (self._column[matcher.id()] or 0.0))

    def max_quality(self):
        return super().max_quality() * (1.0 + self._w)

    def block_quality(self, matcher):
        return super().block_quality(matcher) * (1.0 + self._w)
