"""Trust from contacts: small saturating gains, larger losses, decay without contact.

Grounding: trust is built in personal meetings, slowly, and is the precondition of collaboration
(seed 001: "Trust is number one ... you don't just send an e-mail"; seed 002: it takes a long
time; seed 004: lack of trust is a main cause of failure). The functional form is the asymmetric
update of Pant & Yu (2025): gain ``lambda_plus * s * (1 - T)``, loss ``lambda_minus * s * T`` with
losses about three times faster (assumption, parameters ``trust.gain_rate``, ``trust.loss_rate``).
Decay without contact is an assumption (``trust.decay_per_month``).
"""

from __future__ import annotations

import numpy as np


def channel_strength(in_person: np.ndarray, in_person_strength: float,
                     remote_strength: float) -> np.ndarray:
    """How much a contact can build trust, by channel: a personal meeting beats a remote one."""
    return np.where(in_person, in_person_strength, remote_strength)


def trust_after_good_contact(trust: np.ndarray, strength: np.ndarray,
                             gain_rate: float) -> np.ndarray:
    """Saturating gain: the closer trust is to 1, the less one more good contact adds."""
    return trust + gain_rate * strength * (1.0 - trust)


def trust_after_bad_contact(trust: np.ndarray, strength: np.ndarray,
                            loss_rate: float) -> np.ndarray:
    """Proportional loss: a bad experience costs more of high trust than of low trust."""
    return trust - loss_rate * strength * trust


def update_trust(trust: np.ndarray, strength: np.ndarray, bad: np.ndarray, gain_rate: float,
                 loss_rate: float) -> np.ndarray:
    """Apply one contact to each trust value: a good or, where ``bad``, a bad experience."""
    good = trust_after_good_contact(trust, strength, gain_rate)
    worse = trust_after_bad_contact(trust, strength, loss_rate)
    return np.clip(np.where(bad, worse, good), 0.0, 1.0)


def decay_trust(trust: np.ndarray, decay_per_month: float) -> np.ndarray:
    """Trust fades without contact (assumption): a fixed share is lost each month."""
    return trust * (1.0 - decay_per_month)
