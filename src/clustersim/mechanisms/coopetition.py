"""Co-opetition among peers: a repeated game whose outcomes depend on trust.

Grounding: cooperation is promoted while competition is encouraged (seed 004); SMEs worry about
competition inside the cluster (seed 002); districts do best balancing cooperation with competition
and trust with opportunism (Albino, Carbonara & Giannoccaro 2003). The choice rule (cooperate with
probability (propensity + (1 - propensity) x trust) x (1 - fear of a same-kind competitor)) is an
assumption (``network.cooperation_propensity``, ``network.competition_fear``, per-kind profiles).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clustersim.mechanisms.trust import trust_after_bad_contact, trust_after_good_contact


@dataclass(frozen=True)
class CoopetitionOutcome:
    """One month of peer meetings: who met, who cooperated, and the new trust values."""

    met: np.ndarray  # peer-link rows (one direction per meeting)
    mutual: np.ndarray  # bool per meeting: both cooperated
    trust: np.ndarray  # updated trust for every directed link

    @property
    def cooperation_rate(self) -> float:
        return float(self.mutual.mean()) if self.mutual.size else float("nan")


def cooperation_probability(trust_in_peer: np.ndarray, fear: np.ndarray,
                            same_kind: np.ndarray, propensity: float) -> np.ndarray:
    """A firm cooperates with a peer it trusts, less so if the peer is a same-kind competitor."""
    return (propensity + (1.0 - propensity) * trust_in_peer) * (1.0 - fear * same_kind)


def play_coopetition(src: np.ndarray, trust: np.ndarray, reverse: np.ndarray,
                     fear_src: np.ndarray, fear_dst: np.ndarray, same_kind: np.ndarray,
                     interaction_prob: float, gain_rate: float, loss_rate: float,
                     propensity: float, rng: np.random.Generator) -> CoopetitionOutcome:
    """Each undirected link meets with ``interaction_prob``; both sides choose; trust follows.

    Mutual cooperation raises both trusts (an in-person joint activity); a cooperator exploited by
    a defector loses trust in it (the asymmetric loss of :mod:`~clustersim.mechanisms.trust`).
    """
    forward = np.flatnonzero((np.arange(src.shape[0]) < reverse)
                             & (rng.random(src.shape[0]) < interaction_prob))
    back = reverse[forward]
    coop_a = rng.random(forward.size) < cooperation_probability(
        trust[forward], fear_src[forward], same_kind[forward], propensity)
    coop_b = rng.random(forward.size) < cooperation_probability(
        trust[back], fear_dst[forward], same_kind[forward], propensity)
    new_trust = trust.copy()
    one = np.ones(forward.size)
    mutual = coop_a & coop_b
    a_exploited = coop_a & ~coop_b
    b_exploited = coop_b & ~coop_a
    gain_fwd = trust_after_good_contact(trust[forward], one, gain_rate)
    gain_back = trust_after_good_contact(trust[back], one, gain_rate)
    loss_fwd = trust_after_bad_contact(trust[forward], one, loss_rate)
    loss_back = trust_after_bad_contact(trust[back], one, loss_rate)
    new_trust[forward] = np.where(mutual, gain_fwd, np.where(a_exploited, loss_fwd, trust[forward]))
    new_trust[back] = np.where(mutual, gain_back, np.where(b_exploited, loss_back, trust[back]))
    return CoopetitionOutcome(met=forward, mutual=mutual, trust=new_trust)


def links_met_at_events(last_event: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Peer links whose two firms took part in the same in-person event this month.

    Joint trips and events are where members get to know each other (seed 001: trust is built in
    personal meetings). Only each firm's last event of the month is compared (a simplification).
    """
    return (last_event[src] >= 0) & (last_event[src] == last_event[dst])
