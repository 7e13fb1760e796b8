"""Ranking: every weight in one place (scorer.py applies them).

Score of a passage = BM25F over body and heading path (field weights below)
× (1 + CONCRETENESS_WEIGHT × concreteness), where concreteness ∈ [0, 1] is computed
at index time (figures, named instruments, enumerated measures, concrete verbs
against boilerplate; see concreteness.py), plus flat boosts (section kind, figures, unit)
that the factor does not multiply. Multiplying keeps an off-topic passage off
the list however many numbers it has: it needs a topical score to multiply.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .schema import BODY, HEADING


@dataclass(frozen=True)
class RankingConfig:
    # title is searchable with title:…; in plain queries it adds nothing on the dev judgements
    # (0.3 → 0.0 changed no score) and would cost a matcher per term
    field_weights: dict = field(default_factory=lambda: {BODY: 1.0, HEADING: 0.6})
    K1: float = 1.2
    B: float = 0.75
    body_B: float = 0.6          # passages are short and similar in length; soften length normalisation
    phrase_bonus: float = 1.5    # a concept matched as a phrase vs as loose words
    synonym_weight: float = 0.6  # expanded terms weigh less than what the user typed
    # a concept's forms (the word, its synonyms) score as the best of them plus this share
    # of the others (Lucene's DisjunctionMax); None sums them
    synonym_tiebreak: Optional[float] = None   # 0-0.5: dev +0.003-0.005, dev-full -0.014-0.021
    coord_scale: float = 0.9     # coordination bonus for passages matching more concepts
    proximity_window: Optional[int] = None   # a concept's words within this many positions ...
    scattered_weight: float = 0.5            # ... count fully; scattered further apart, this much
    # a legal question in everyday words: a statute's term for one word of a longer piece (狗
    # of 邻居家的狗咬伤 → 犬) is also searched alone, at this fraction of its rule's weight
    # (0.6-1.0 alike on the judged sets: tune/test +0.005/+0.002 over ten sets)
    legal_piece_weight: float = 0.6
    partial_weight: float = 0.3  # a multi-word concept matched by only some of its words ...
    partial_max_df: float = 0.05  # ... of those in at most this share of passages
    relax_below: int = 10        # a one-word concept in fewer passages than this also matches its parts
    relax_words: bool = True     # ... and a rare word of a longer concept, among its some-words
    parts_with_synonyms: bool = False   # ... even when it has synonyms (两法衔接 → 衔接 finds junk)
    region_boost: float = 1.0    # a region in the query (浙江, 宁波市): added for that region's reports (0: text only)
    year_boost: float = 1.0      # a year in the query (2018年): added for the reports covering it
    # a rule the query names (行政复议法 第十一条): the rule's own articles match the name (they
    # say 本法, not its name) and weigh this many times as much
    named_rule_prior: float = 3.0
    kind_boost: float = 3.0      # a passage in the section kind the query names (存在的问题 → problems)
    kind_is_topical: bool = True  # ... and the concreteness factor multiplies it (concrete ones first)
    concreteness_weight: float = 1.5   # plateau 1.5-3 on the dev set; 0 → 0.931, 0.6 → 0.944
    # ... for a question asking how (怎样/如何/怎么…): the measures, whatever their figures
    # (0 / 0.5 / 1.5: tune +0.0015 / +0.0005 / 0, test +0.0006 / +0.0005 / 0 over ten sets)
    how_concreteness_weight: float = 0.0
    figures_boost: float = 1.5   # added when the query asks for a quantity and the passage has figures
    unit_boost: float = 2.0      # added when the passage counts in the unit the query names
    # genre: a query about what was done (the default) prefers reports to the rules they
    # cite; a query that asks for the rule itself (《…法》, 条例, 第…条, 法律依据) does not
    type_priors: dict = field(default_factory=lambda: {"law": 0.3, "regulation": 0.3,      # plateau 0.2-0.3 on dev-full
                                                       "judicial_interpretation": 0.3})
    rule_type_priors: dict = field(default_factory=lambda: {"law": 1.2, "regulation": 1.2,
                                                            "judicial_interpretation": 1.2})
    # section kinds: what was done (the default) before what is planned or required, unless
    # the query names a kind (下一步 → plans)
    kind_priors: dict = field(default_factory=lambda: {"plans": 0.8, "requirements": 0.8})   # P@3 +0.04 on all three files
    # a passage stating a figure whose subject names a concept of the query is an answer:
    # its score is multiplied by 1 + answer_boost
    answer_boost: float = 0.5
    # coordination: passages with every concept always come first (tiers); among those that
    # miss one, a score is multiplied by (share of the concepts matched) ** p (None: not at all)
    coordination_power: Optional[float] = 2.0   # 1-5 score alike on the judgements
    # a passage with only a part of a concept (事项 of 证明事项, 人民 of 人民调解) has this share
    # of it for coordination and misses it for the tiers (None: holds all of it)
    partial_coordination: Optional[float] = 0.5
    # the kind of section an intent word asks for (下一步, 存在的问题) weighs this many times the
    # query's heaviest topic concept: a passage of another kind is not what was asked
    intent_weight: float = 1.5
    coordination_idf: bool = True   # concepts weigh by their rarity (idf) in the share matched
    # among the passages that miss a concept, those of the year or region the query names that
    # hold at least this share of its topic (by weight) come first (None: no such order)
    scope_topic_share: Optional[float] = 0.5
    # a query that names a kind of section as a whole (食品安全监管 存在的问题): its passages
    # about the topic come before other kinds' passages about it
    kind_first: bool = True
    # a passage 80 % of whose text an earlier hit already says is left out (a plan copied
    # from another region's with the names changed); exact copies always are
    collapse_near_duplicates: bool = True
    per_doc: int = 3             # at most this many passages of one document in a page of hits (0: no cap)


DEFAULT_RANKING = RankingConfig()
