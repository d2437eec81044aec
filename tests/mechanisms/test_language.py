"""Language barrier and psychic distance lower the trust a contact can build."""

from __future__ import annotations

import numpy as np

from clustersim.mechanisms.language import contact_quality, effective_language_barrier

LEVELS = np.linspace(0.0, 1.0, 6)


def test_higher_barrier_lowers_contact_quality():
    quality = contact_quality(np.ones_like(LEVELS), LEVELS, np.full_like(LEVELS, 0.3), 0.5)
    assert np.all(np.diff(quality) < 0)
    assert quality[-1] == 0.0


def test_higher_psychic_distance_lowers_contact_quality():
    quality = contact_quality(np.ones_like(LEVELS), np.full_like(LEVELS, 0.3), LEVELS, 0.5)
    assert np.all(np.diff(quality) < 0)
    flat = contact_quality(np.ones_like(LEVELS), np.full_like(LEVELS, 0.3), LEVELS, 0.0)
    assert np.allclose(flat, flat[0])


def test_in_person_channel_keeps_more_quality():
    quality = contact_quality(np.array([1.0, 0.3]), np.full(2, 0.5), np.full(2, 0.3), 0.5)
    assert quality[0] > quality[1] > 0


def test_language_skill_lowers_effective_barrier():
    barrier = effective_language_barrier(np.full_like(LEVELS, 0.6), LEVELS, 0.0, 0.6)
    assert np.all(np.diff(barrier) < 0)
    assert barrier[0] == 0.6 and barrier[-1] == 0.0


def test_translation_lowers_effective_barrier():
    barrier = effective_language_barrier(np.full_like(LEVELS, 0.6), np.full_like(LEVELS, 0.2),
                                         LEVELS, 0.6)
    assert np.all(np.diff(barrier) < 0)
    no_effect = effective_language_barrier(np.full_like(LEVELS, 0.6),
                                           np.full_like(LEVELS, 0.2), LEVELS, 0.0)
    assert np.allclose(no_effect, no_effect[0])


def test_barrier_never_exceeds_market_barrier_and_stays_in_unit_interval():
    rng = np.random.default_rng(1)
    market, skill, transl = rng.random((3, 1000))
    barrier = effective_language_barrier(market, skill, transl, rng.random())
    assert np.all(barrier <= market + 1e-12) and np.all(barrier >= 0)
    q = contact_quality(rng.random(1000), barrier, rng.random(1000), rng.random())
    assert np.all((q >= 0) & (q <= 1))
